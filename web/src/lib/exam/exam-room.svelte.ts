import { RoomEvent, type Room } from 'livekit-client';
import {
  ExamNotice,
  TOPICS,
  checklist,
  stillUrl,
  type AnnotationOp,
  type Checklist,
  type Exam,
  type ExamPatient,
  type ScanProtocol,
  type SignExamBody,
  type Still,
  type StoredProtocol,
  type VerdictBody,
} from '@loupe/protocol';
import { ApiFailure, apiClient, unwrap } from '$lib/api/client.ts';
import { failureMessage } from '$lib/api/failure-message.ts';
import { onApiPackets } from '$lib/room/api-packets.ts';
import type { CapturedStill } from './capture.ts';

/**
 * A session's guided exams as a live page sees them: fetched from the api when the page opens,
 * when the api tells the room an exam changed, and once in the room (joined or back from a
 * reconnect: notices sent meanwhile are not resent). Pages act through it
 * (start, capture, verdict, sign); every screen then draws the same checklist (protocol's `checklist`).
 */
export class ExamRoom {
  exams = $state<Exam[]>([]);
  /** The latest version of every protocol, to start an exam on. */
  protocols = $state<StoredProtocol[]>([]);
  /** What the last action or fetch could not do, in the reader's words. */
  problem = $state<string | null>(null);
  /** The still shown large (the reviewer's choice; the newest pending one by default). */
  selectedStillId = $state<string | null>(null);

  /** The exam under way, else the last one. */
  readonly exam: Exam | null = $derived(this.exams.findLast((e) => e.status === 'running') ?? this.exams.at(-1) ?? null);
  readonly protocol: ScanProtocol | null = $derived.by(() => {
    const exam = this.exam;
    return exam ? (this.versions[`${exam.protocolKey}@${exam.protocolVersion}`] ?? null) : null;
  });
  readonly checklist: Checklist | null = $derived(this.exam && this.protocol ? checklist(this.protocol, this.exam.stills) : null);
  readonly selectedStill: Still | null = $derived.by(() => {
    const stills = this.exam?.stills ?? [];
    return stills.find((s) => s.id === this.selectedStillId) ?? stills.findLast((s) => s.verdict === 'pending') ?? null;
  });

  private versions = $state<Record<string, ScanProtocol>>({});
  private refreshing = false;
  private again = false;
  private closed = false;
  private readonly sessionId: string;
  private readonly dispose: () => void;

  /**
   * `prefetchStills`: a page that shows new stills large (the reviewer's) starts loading a new
   * still's image as soon as the notice names it, beside the exams' fetch, so that the image is
   * there when the still is (bench `still_capture`).
   */
  constructor(sessionId: string, room: Room, { prefetchStills = false }: { prefetchStills?: boolean } = {}) {
    this.sessionId = sessionId;
    const stopPackets = onApiPackets(room, TOPICS.exam, ExamNotice, (notice) => {
      if (prefetchStills && notice.stillId) prefetch(stillUrl(notice.stillId));
      this.refreshSoon();
    });
    // Notices sent while the page was not in the room (joining, reconnecting) are not resent: fetch once in.
    const onConnected = () => this.refreshSoon();
    room.on(RoomEvent.Connected, onConnected).on(RoomEvent.Reconnected, onConnected);
    this.dispose = () => {
      stopPackets();
      room.off(RoomEvent.Connected, onConnected).off(RoomEvent.Reconnected, onConnected);
      this.closed = true;
    };
  }

  private api = () => apiClient('/api');

  async load(): Promise<void> {
    await this.act(async () => {
      const [{ exams }, { protocols }] = await Promise.all([
        unwrap(this.api().sessions[':id'].exams.$get({ param: { id: this.sessionId } })),
        unwrap(this.api().protocols.$get()),
      ]);
      this.protocols = protocols;
      await this.learnVersions(exams);
      this.exams = exams;
    });
  }

  /**
   * Fetches the exams now; notices that come while a fetch is under way (a verdict and its PACS
   * state) make one more fetch after it, not one each.
   */
  refreshSoon(): void {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    void (async () => {
      do {
        this.again = false;
        await this.refresh();
      } while (this.again && !this.closed);
      this.refreshing = false;
    })();
  }

  private async refresh(): Promise<void> {
    await this.act(async () => {
      const { exams } = await unwrap(this.api().sessions[':id'].exams.$get({ param: { id: this.sessionId } }));
      await this.learnVersions(exams);
      this.exams = exams;
    });
  }

  /** The protocol versions the exams ran on: an exam keeps its version when the protocol changes. */
  private async learnVersions(exams: Exam[]): Promise<void> {
    const missing = [...new Set(exams.map((e) => e.protocolKey))].filter(
      (key) => !exams.every((e) => e.protocolKey !== key || this.versions[`${key}@${e.protocolVersion}`]),
    );
    for (const key of missing) {
      const { protocols } = await unwrap(this.api().protocols[':key'].$get({ param: { key } }));
      this.versions = { ...this.versions, ...Object.fromEntries(protocols.map((p) => [`${p.key}@${p.version}`, p])) };
    }
  }

  /** Starts an exam on the protocol's latest version; `patient` null: de-identified, for teaching. */
  async start(protocolKey: string, patient: ExamPatient | null = null): Promise<boolean> {
    return this.act(async () => {
      const exam = await unwrap(this.api().sessions[':id'].exams.$post({ param: { id: this.sessionId }, json: { protocolKey, patient } }));
      await this.learnVersions([exam]);
      this.exams = [...this.exams.filter((e) => e.id !== exam.id), exam];
    });
  }

  /** Uploads a still of `viewKey` with its SHA-256; the api checks both before keeping it. */
  async upload(viewKey: string, still: CapturedStill): Promise<Still | null> {
    const exam = this.exam;
    if (!exam) return null;
    let kept: Still | null = null;
    await this.act(async () => {
      const res = fetch(`/api/exams/${encodeURIComponent(exam.id)}/stills?view=${encodeURIComponent(viewKey)}`, {
        method: 'POST',
        headers: { 'content-type': still.png.type, 'content-digest': `sha-256=:${still.sha256}:` },
        body: still.png,
      });
      kept = (await unwrap(res)) as Still;
      this.patch(kept);
    });
    return kept;
  }

  async verdict(stillId: string, body: VerdictBody): Promise<boolean> {
    return this.act(async () => this.patch(await unwrap(this.api().stills[':id'].verdict.$post({ param: { id: stillId }, json: body }))));
  }

  /** The reviewer's marks on a still, the whole set each time (the api keeps the last). */
  async saveDrawings(stillId: string, ops: AnnotationOp[]): Promise<boolean> {
    return this.act(async () => this.patch(await unwrap(this.api().stills[':id'].drawings.$put({ param: { id: stillId }, json: { ops } }))));
  }

  async sign(body: SignExamBody): Promise<boolean> {
    const exam = this.exam;
    if (!exam) return false;
    return this.act(async () => {
      const signed = await unwrap(this.api().exams[':id'].sign.$post({ param: { id: exam.id }, json: body }));
      this.exams = this.exams.map((e) => (e.id === signed.id ? signed : e));
    });
  }

  close(): void {
    this.dispose();
  }

  /** One still changed here: shown at once, before the room's notice brings the rest. */
  private patch(still: Still): void {
    this.exams = this.exams.map((e) => (e.id === still.examId ? { ...e, stills: [...e.stills.filter((s) => s.id !== still.id), still] } : e));
  }

  private async act(work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      this.problem = null;
      return true;
    } catch (err) {
      this.problem = err instanceof ApiFailure || err instanceof Error ? failureMessage(err) : String(err);
      return false;
    }
  }
}

/** Loads and decodes an image into the page's cache, so that an <img> of the same address shows it at once. */
function prefetch(url: string): void {
  const image = new Image();
  image.src = url;
  image.decode().catch(() => {
    // The <img> that shows it will load it again, and say if it cannot.
  });
}
