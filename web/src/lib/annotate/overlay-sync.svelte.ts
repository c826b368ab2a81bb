/**
 * Keeps this page's overlay in step with the room: obeys valid ops from drawing roles,
 * sends our own ops (batched once per animation frame by the sender), answers resync
 * requests with a snapshot, and asks for one on joining and after every reconnect.
 */
import { RoomEvent, type RemoteParticipant, type Room } from 'livekit-client';
import {
  ANNOTATION_VERSION,
  DropCounter,
  FADE_MS,
  FADE_OUT_MS,
  LASER_TRAIL_MS,
  MAX_FREEZE_FRAME_BYTES,
  MAX_SNAPSHOT_BYTES,
  holdsOverlay,
  OverlaySnapshot,
  OverlayState,
  ResyncRequest,
  SenderRateLimit,
  RESYNC_REPEAT_MS,
  TOPICS,
  OverlayRequest,
  snapshotOpsToApply,
  parseOpPacket,
  outdatedSide,
  VersionNotice,
  roleOf,
  type Annotation,
  type AnnotationOp,
  type DrawnReceipt,
  type Point,
} from '@loupe/protocol';

export type LaserTrail = { author: string; source: string | null; points: { p: Point; at: number }[] };

/** What the Konva canvas draws from: the live overlay, or a case's overlay being replayed. */
export interface OverlaySource {
  readonly version: number;
  readonly lasers: Record<string, LaserTrail>;
  readonly dropped: number;
  readonly dropReasons: string;
  visible(): Annotation[];
  opacity(a: Annotation): number;
}

// How long and how much to hold packets from a sender the room has not announced yet.
const WAIT_FOR_PARTICIPANT_MS = 10_000;
const VERSION_NOTICE_EVERY_MS = 60_000;
const MAX_WAITING_PER_SENDER = 2_000;
const MAX_WAITING_SENDERS = 16;

export class OverlaySync implements OverlaySource {
  readonly state = new OverlayState();
  readonly drops = new DropCounter();
  /** Bumped whenever the picture may have changed; renderers redraw on it. */
  version = $state(0);
  dropped = $state(0);
  /** e.g. `invalid:2 not_allowed:1`, for diagnostics. */
  dropReasons = $state('');
  /** JPEG stills of freeze-frames, by freeze id, as object URLs. */
  stills = $state<Record<string, string>>({});
  lasers = $state<Record<string, LaserTrail>>({});
  /**
   * Someone in the room sent an op, or a notice, of a newer version than this page's. Only a
   * sign: a member can forge it. The page asks its own server whether Loupe was updated before
   * it says "please reload" (see ConnectionBanner).
   */
  newerSeen = $state(false);

  private readonly room: Room;
  /** The session clock (the api's time, calibrated at joining), that ops' times are checked against. */
  private readonly now: () => number;
  private readonly limit = new SenderRateLimit();
  /** When each fade-mode annotation disappears here (local clock). */
  private readonly fadeAt = new Map<string, number>();
  private readonly stillBlobs = new Map<string, Blob>();
  private readonly disposers: (() => void)[] = [];
  private readonly waiting = new Map<string, { payload: Uint8Array; topic: string; at: number }[]>();
  /** Our own request for the overlay: which snapshots answer it. */
  private readonly asked = new OverlayRequest();
  /** When we last answered each requester (a page asking in a loop is answered once). */
  private readonly answeredAt = new Map<string, number>();
  /** When we last told each sender its page is out of date. */
  private readonly toldOutdated = new Map<string, number>();
  /** Theatre's receipts for each author's drawings: 5 a second, 5 at once. */
  private readonly receipts = new SenderRateLimit(5, 5);

  constructor(room: Room, now: () => number) {
    this.room = room;
    this.now = now;
    const onData = (payload: Uint8Array, from?: RemoteParticipant, _kind?: unknown, topic?: string, _e?: unknown, identity?: string) =>
      this.onData(payload, from, topic, identity);
    const onJoin = (p: RemoteParticipant) => this.releaseWaiting(p);
    room.on(RoomEvent.DataReceived, onData).on(RoomEvent.ParticipantConnected, onJoin);
    this.disposers.push(() => room.off(RoomEvent.DataReceived, onData).off(RoomEvent.ParticipantConnected, onJoin));

    // A holder back from a reconnect sends its overlay to everyone at once, before the room
    // has announced it again (see `wait`): its streams wait for it like its ops.
    room.registerTextStreamHandler(TOPICS.snapshot, async (reader, { identity }) => {
      if (!(await this.known(identity)) || !this.isHolder(identity) || (reader.info.size ?? 0) > MAX_SNAPSHOT_BYTES) {
        return this.drop('not_allowed');
      }
      const text = await reader.readAll().catch(() => '');
      if (text.length > MAX_SNAPSHOT_BYTES) return this.drop('oversized');
      let parsed;
      try {
        parsed = OverlaySnapshot.safeParse(JSON.parse(text));
      } catch {
        return this.drop('malformed');
      }
      if (!parsed.success) return this.drop('invalid');
      const ops = parsed.data.ops;
      const take = snapshotOpsToApply(ops, {
        sender: { identity, role: roleOf(this.room.remoteParticipants.get(identity)?.attributes)! },
        solicited: this.asked.answeredBy(identity, performance.now()),
        present: new Set(this.room.remoteParticipants.keys()),
        now: this.now(),
      });
      for (let i = take.length; i < ops.length; i++) this.drop('not_allowed');
      for (const op of take) this.applyOp(op);
    });
    room.registerByteStreamHandler(TOPICS.freezeFrame, async (reader, { identity }) => {
      const freezeId = reader.info.attributes?.freezeId;
      if (!(await this.known(identity)) || !this.isHolder(identity) || !freezeId || (reader.info.size ?? 0) > MAX_FREEZE_FRAME_BYTES) {
        return this.drop('not_allowed');
      }
      const chunks = await reader.readAll().catch(() => []);
      const size = chunks.reduce((n, c) => n + c.byteLength, 0);
      if (size === 0 || size > MAX_FREEZE_FRAME_BYTES) return this.drop('oversized');
      this.addStill(freezeId, new Blob(chunks as BlobPart[], { type: 'image/jpeg' }));
    });
    this.disposers.push(() => {
      room.unregisterTextStreamHandler(TOPICS.snapshot);
      room.unregisterByteStreamHandler(TOPICS.freezeFrame);
    });

    const tick = setInterval(() => this.expire(), 250);
    this.disposers.push(() => clearInterval(tick));
  }

  dispose(): void {
    this.disposers.forEach((d) => d());
    for (const url of Object.values(this.stills)) URL.revokeObjectURL(url);
  }

  /** Annotations to draw now: visible, and not faded away. */
  visible(): Annotation[] {
    const now = performance.now();
    return this.state.visible().filter((a) => (this.fadeAt.get(a.key) ?? Infinity) > now);
  }

  /** 1 while an annotation is fully shown, falling to 0 over its last second in fade mode. */
  opacity(a: Annotation): number {
    const at = this.fadeAt.get(a.key);
    return at === undefined ? 1 : Math.max(0, Math.min(1, (at - performance.now()) / FADE_OUT_MS));
  }

  /**
   * We ask for the overlay now (joined, or back from a reconnect): each holder's answer in the
   * coming seconds counts as solicited, once (snapshot.ts says what that lets in).
   */
  expectAnswers(): void {
    this.asked.ask(performance.now());
  }

  /** Applies one of our own ops locally (the sender calls this before sending it). */
  applyOwn(op: AnnotationOp): void {
    this.applyOp(op);
  }

  addStill(freezeId: string, blob: Blob): void {
    if (this.stills[freezeId]) return;
    this.stillBlobs.set(freezeId, blob);
    this.stills = { ...this.stills, [freezeId]: URL.createObjectURL(blob) };
  }

  /** Sends the whole overlay (and the current still) to one participant, or to everyone. */
  async sendSnapshot(to?: string): Promise<void> {
    const shown = (a: Annotation) => (this.fadeAt.get(a.key) ?? Infinity) > performance.now();
    let text = JSON.stringify(this.state.snapshot(shown));
    // What was erased or cleared rides along for an undo to bring back; past the limit, a long
    // session's picture gets through without it.
    if (text.length > MAX_SNAPSHOT_BYTES) text = JSON.stringify(this.state.snapshot(shown, { withHidden: false }));
    const local = this.room.localParticipant;
    const destinationIdentities = to ? [to] : undefined;
    await local.sendText(text, { topic: TOPICS.snapshot, destinationIdentities });
    const freeze = this.state.freeze;
    const still = freeze?.frozen ? this.stillBlobs.get(freeze.id) : undefined;
    if (freeze && still) {
      await local.sendBytes(new Uint8Array(await still.arrayBuffer()), {
        topic: TOPICS.freezeFrame,
        destinationIdentities,
        attributes: { freezeId: freeze.id },
        mimeType: 'image/jpeg',
      });
    }
  }

  /** Whether `requester` has not been answered in the last few seconds (it is answered now, then). */
  private firstAsk(requester: string): boolean {
    const now = performance.now();
    const last = this.answeredAt.get(requester);
    if (last !== undefined && now - last < RESYNC_REPEAT_MS) return false;
    this.answeredAt.set(requester, now);
    return true;
  }

  /** Whether `identity` is in the room, waiting a while for the room to announce it. */
  private known(identity: string): Promise<boolean> {
    if (this.room.remoteParticipants.has(identity)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (known: boolean) => {
        clearTimeout(timer);
        this.room.off(RoomEvent.ParticipantConnected, onJoin);
        resolve(known);
      };
      const onJoin = (p: RemoteParticipant) => p.identity === identity && done(true);
      const timer = setTimeout(() => done(false), WAIT_FOR_PARTICIPANT_MS);
      this.room.on(RoomEvent.ParticipantConnected, onJoin);
    });
  }

  private isHolder(identity: string): boolean {
    return holdsOverlay(this.room.remoteParticipants.get(identity)?.attributes);
  }

  private drop(reason: Parameters<DropCounter['add']>[0]): void {
    this.drops.add(reason);
    this.dropped = this.drops.total;
    this.dropReasons = Object.entries(this.drops.counts)
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${r}:${n}`)
      .join(' ');
  }

  private onData(payload: Uint8Array, from: RemoteParticipant | undefined, topic: string | undefined, identity?: string): void {
    if (topic === TOPICS.resync) {
      // Only livekit-server itself (the api, through it) sends packets with no participant.
      if (from || identity || !this.room.localParticipant.permissions?.canPublishData) return;
      try {
        const request = ResyncRequest.safeParse(JSON.parse(new TextDecoder().decode(payload)));
        if (request.success && request.data.v === ANNOTATION_VERSION && this.firstAsk(request.data.requester)) {
          void this.sendSnapshot(request.data.requester);
        }
      } catch {
        this.drop('malformed');
      }
      return;
    }
    if (topic === TOPICS.version) {
      if (from) this.onVersionNotice(payload);
      return;
    }
    if (topic !== TOPICS.ops && topic !== TOPICS.laser) return;
    if (!from) {
      if (!identity) return this.drop('not_allowed');
      this.wait(identity, payload, topic);
      return;
    }
    if (!this.limit.allow(from.identity)) return this.drop('rate_limited');
    const received = parseOpPacket(payload, { identity: from.identity, role: roleOf(from.attributes) }, this.now());
    if (!received.ok) {
      if (received.version !== undefined) this.onOtherVersion(received.version, from.identity);
      return this.drop(received.reason);
    }
    this.applyOp(received.op);
    this.acknowledge(received.op);
  }

  /**
   * An op in another version than ours. Newer: this page is out of date, and says so. Older: the
   * sender's is, and we tell it (a minute apart at most), so that it says so; its ops are refused
   * either way, counted, never drawn wrong.
   */
  private onOtherVersion(version: number, sender: string): void {
    if (outdatedSide(version) === 'receiver') {
      this.newerSeen = true;
      return;
    }
    const now = performance.now();
    if (now - (this.toldOutdated.get(sender) ?? -Infinity) < VERSION_NOTICE_EVERY_MS) return;
    this.toldOutdated.set(sender, now);
    const notice: VersionNotice = { kind: 'outdated', v: ANNOTATION_VERSION };
    void this.room.localParticipant
      .publishData(new TextEncoder().encode(JSON.stringify(notice)), { reliable: true, topic: TOPICS.version, destinationIdentities: [sender] })
      .catch(() => undefined);
  }

  private onVersionNotice(payload: Uint8Array): void {
    try {
      const notice = VersionNotice.safeParse(JSON.parse(new TextDecoder().decode(payload)));
      if (notice.success && notice.data.v > ANNOTATION_VERSION) this.newerSeen = true;
    } catch {
      this.drop('malformed');
    }
  }

  /**
   * On theatre's own display, a mentor's new annotation is acknowledged to that mentor once it is
   * on screen (the next frame): the mentor's delay readout times pointer-to-OR from it. A few
   * samples a second an author are enough for the readout (a flood of annotations is not answered
   * with a flood of receipts).
   */
  private acknowledge(op: AnnotationOp): void {
    const local = this.room.localParticipant;
    if (roleOf(local.attributes) !== 'theatre' || local.attributes.display === 'true') return;
    if (op.kind !== 'stroke.begin' && op.kind !== 'shape' && op.kind !== 'text') return;
    if (!this.receipts.allow(op.author)) return;
    const receipt: DrawnReceipt = { v: ANNOTATION_VERSION, kind: 'drawn', id: op.id };
    requestAnimationFrame(() => {
      void local
        .publishData(new TextEncoder().encode(JSON.stringify(receipt)), { reliable: false, topic: TOPICS.drawn, destinationIdentities: [op.author] })
        .catch(() => undefined);
    });
  }

  /**
   * livekit-server announces a participant who publishes no track up to 3 s after it joins
   * (subscriber-only updates are batched), but forwards its data at once. A mentor who starts
   * drawing straight away would be unknown here: their packets wait, under the identity the
   * server stamped on them, until the participant (and so their role) is known.
   */
  private wait(identity: string, payload: Uint8Array, topic: string): void {
    const now = performance.now();
    for (const [id, queue] of this.waiting) {
      if (now - (queue[0]?.at ?? now) > WAIT_FOR_PARTICIPANT_MS) {
        this.waiting.delete(id);
        for (let i = 0; i < queue.length; i++) this.drop('not_allowed');
      }
    }
    const queue = this.waiting.get(identity) ?? [];
    if (queue.length >= MAX_WAITING_PER_SENDER || this.waiting.size >= MAX_WAITING_SENDERS) return this.drop('rate_limited');
    queue.push({ payload, topic, at: now });
    this.waiting.set(identity, queue);
  }

  private releaseWaiting(p: RemoteParticipant): void {
    const queue = this.waiting.get(p.identity);
    if (!queue) return;
    this.waiting.delete(p.identity);
    for (const { payload, topic } of queue) this.onData(payload, p, topic);
  }

  private applyOp(op: AnnotationOp): void {
    if (op.kind === 'laser') {
      this.addLaser(op.author, op.points, op.source ?? null);
      return;
    }
    if (!this.state.apply(op)) return;
    this.scheduleFade(op);
    this.version++;
  }

  private scheduleFade(op: AnnotationOp): void {
    const finished = op.kind === 'stroke.end' || op.kind === 'shape' || op.kind === 'text';
    if (!finished) return;
    const a = this.state.annotations.get(`${op.author}/${op.id}`);
    if (a?.fade && !this.fadeAt.has(a.key)) this.fadeAt.set(a.key, performance.now() + FADE_MS);
  }

  private addLaser(author: string, points: Point[], source: string | null): void {
    const now = performance.now();
    const trail = this.lasers[author];
    // A laser moved to another picture leaves its trail on the one before.
    const kept = trail && trail.source === source ? trail.points.filter((x) => now - x.at < LASER_TRAIL_MS) : [];
    this.lasers = { ...this.lasers, [author]: { author, source, points: [...kept, ...points.map((p) => ({ p, at: now }))] } };
  }

  private expire(): void {
    const now = performance.now();
    let changed = false;
    for (const at of this.fadeAt.values()) if (at - FADE_OUT_MS <= now && at + 250 > now) changed = true;
    const lasers = Object.values(this.lasers);
    if (lasers.length) {
      const next: Record<string, LaserTrail> = {};
      for (const l of lasers) {
        const points = l.points.filter((x) => now - x.at < LASER_TRAIL_MS);
        if (points.length) next[l.author] = { ...l, points };
      }
      this.lasers = next;
    }
    if (changed) this.version++;
  }
}
