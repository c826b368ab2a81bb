/**
 * Records one live session: joins its room as a hidden participant, writes theatre's main
 * picture in segments, each of its other pictures beside it in step (extra-sources.ts), and
 * everyone's voices as PCM on one timeline, the capture clock's, and logs every valid annotation
 * op, pause, join and leave on that same timeline. Resumes after a crash where the media on disk
 * ends, and marks the gap.
 *
 * The timeline is the wall clock's, less the time the recording was held: a person's pause,
 * or theatre's picture away (the room emptied, theatre's browser crashed). While the picture is
 * away nothing is written and every screen says the recording waits; it carries on by itself
 * when the picture is back, and is stopped if it stays away IDLE_STOP. When the encoder cannot
 * keep up, frames are skipped rather than the timeline squeezed, and every screen says REC —
 * degraded.
 */
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import {
  AudioMixer,
  AudioStream,
  DisconnectReason,
  Room,
  RoomEvent,
  TrackKind,
  VideoBufferType,
  VideoStream,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
} from '@livekit/rtc-node';
import {
  DropCounter,
  ExamNotice,
  MAIN_SOURCE_KEY,
  SenderRateLimit,
  VitalsPacket,
  TOPICS,
  parseOpPacket,
  parseRoomMetadata,
  parseSourceTrackName,
  recordingFiles,
  roleOf,
  sourceId,
  type AnnotationOp,
  type RecorderState,
} from '@loupe/protocol';
import type { MediaStore } from '@loupe/media-store';
import { EventLog, RESTARTED, readEventLog, type LoggedEvent } from './event-log.ts';
import { AudioTimeline, SAMPLE_RATE, soundOnDisk, soundSlices } from './media/audio-timeline.ts';
import { CaptureClock, type Hold } from './media/capture-clock.ts';
import { PLAYOUT_DELAY_FRAMES, PictureQueue } from './media/picture-queue.ts';
import { EncoderStopped, FPS, SegmentedVideo, resizeI420 } from './media/segmented-video.ts';
import { ExtraSources } from './media/extra-sources.ts';
import { keptSegments, recordingPaths, type RecordingPaths } from './media/recording-files.ts';
import { recordingSize } from './media/recording-size.ts';
import { skipsIn, slotOf } from './media/slot-timeline.ts';
import { failureReason } from './failure-reason.ts';
import { OverlayCatchUp } from './overlay-catch-up.ts';
import { recorderToken } from './token.ts';

/**
 * A second of raw pictures waiting in ffmpeg's pipe, at most. When the CPU is short, ffmpeg
 * encodes slower than real time; writing every frame the clock is due anyway kept ~40 MB a
 * second of them in memory (+1.4 GB in one squeeze under load).
 */
const MAX_BACKLOG_FRAMES = 30;
/**
 * Frames the writer may fall behind the clock (ffmpeg busy, the event loop late) before the
 * frames it missed are skipped: the picture holds through them on the case's timeline, which
 * stays the clock's. Below this, the frames due are written as soon as ffmpeg takes them.
 */
const MAX_BEHIND_FRAMES = 15;
/**
 * Decoded frames livekit's native receive path keeps for each picture until this process takes
 * them (its own default is one: the newer frame replaced it whenever the recorder's thread was not
 * scheduled within a frame, which on a busy box lost 0.3–3 % of them). Half a second, a burst of
 * CPU contention; at 720p, 21 MB a picture at most. The rtc-node patch in patches/ passes it on.
 */
const RECEIVE_QUEUE_FRAMES = 15;
/**
 * At a stop, how long the other pictures may take to bring in the moments the main picture has
 * (extra-sources.ts): under load one track's frames come in a burst, and a file closed before
 * its burst held an older picture through the case's last frames (over 3 frames off in CI).
 */
const STOP_CATCH_UP_MS = 1000;
/** Degraded until this long has passed without a skip. */
const DEGRADED_FOR_MS = 10_000;
/** Theatre's picture gone this long (not a change of source or a quick reconnect) is away. */
const PICTURE_GRACE_MS = 3000;
/** Between attempts to join the room again after losing it. */
const REJOIN_MS = 2000;

/** How long rtc-node may try to resume through a node that answers before the room is joined afresh. */
const RESUME_MS = 8000;

/**
 * No frame of theatre's picture for this long, while the room still says it is published and
 * unmuted: its media path may be dead (see watchPicture).
 */
const PICTURE_STALL_MS = 3000;

/** How long a node may take to answer before it counts as down. */
const PROBE_TIMEOUT_MS = 1000;

/** Whether livekit-server at `url` answers HTTP on its signalling port ("OK" at /). */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url.replace(/^ws(s?):/, 'http$1:'), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Those of `urls` that answer. */
async function answering(urls: readonly string[]): Promise<string[]> {
  const up = await Promise.all(urls.map(answers));
  return urls.filter((_url, i) => up[i]);
}

/**
 * The index of the first of `urls` that answers, from `from` on (the node in use first, so one
 * node that restarted is joined again); when none does, the next after `from`, tried next time.
 */
async function firstAnswering(urls: readonly string[], from: number): Promise<number> {
  if (urls.length === 1) return 0;
  for (let i = 0; i < urls.length; i++) {
    const at = (from + i) % urls.length;
    if (await answers(urls[at]!)) return at;
  }
  return (from + 1) % urls.length;
}

/**
 * When WebRTC's receiver means a decoded frame to be shown, in ms on its own clock (the same for
 * every track): the frame's RTP timestamp, theatre's capture clock, mapped onto ours. Pictures of
 * theatre's sources captured together have the same moment, even when one track's come late in a
 * burst; their arrival did not (a source was matched 5 to 9 frames off after a stall).
 */
function renderMs(timestampUs: bigint): number {
  return Number(timestampUs) / 1000;
}

/** An op's identity across live packets and snapshots: its author's sequence number. */
const opKey = (op: AnnotationOp) => `${op.author}/${op.seq}`;

/**
 * A packet from the api (the server's own: no participant), parsed by `schema`. Undefined when a
 * participant sent it (no member may speak for the api) or when it does not parse.
 */
function fromApi<T>(schema: { safeParse(value: unknown): { data?: T } }, payload: Uint8Array, participant: RemoteParticipant | undefined): T | undefined {
  if (participant) return undefined;
  try {
    return schema.safeParse(JSON.parse(new TextDecoder().decode(payload))).data;
  } catch {
    return undefined;
  }
}

export type RoomRecorderOptions = {
  /** Whether the picture is being captured or waited for, and whether the writer keeps up; on every change. */
  onState?: (state: RecorderState) => void;
  /** Theatre's picture stayed away `idleStopMs`: the recording should stop. */
  onIdle?: () => void;
  /** Called once if writing fails (the disk is full): capture has stopped, the room is left. */
  onFailed?: (reason: string) => void;
  /**
   * Whether this worker still holds the recording's lease: asked before every write. Once it
   * says no (the worker was paused or cut off past its lease, and another may have taken the
   * recording over), nothing more is written: capture stops, the files are closed as they are.
   */
  mayWrite?: () => boolean;
  /** Called once when `mayWrite` said no. */
  onFenced?: () => void;
  /** Whether another of theatre's pictures may be kept (one more encoder: the worker's CPU budget). */
  mayAddSource?: () => boolean;
  /** Who writes the recording now, written into its log: the worker and its lease's epoch. */
  writer?: { worker: string; epoch: number };
  recordingId: string;
  sessionId: string;
  /**
   * The livekit-server nodes, as rtc-node reaches them: one, or a cluster's (LOUPE_LIVEKIT_URLS).
   * The room is joined through the first that answers; if that node dies, through another.
   */
  livekitWsUrls: readonly string[];
  livekitKeys: { apiKey: string; apiSecret: string };
  /** Where the files go: the media directory, and the bucket each closed segment is stored in. */
  media: MediaStore;
  idleStopMs: number;
};

export class RoomRecorder {
  readonly paths: RecordingPaths;
  private room: Room | null = null;
  /** The node `room` was joined through: an index into livekitWsUrls. */
  private node = 0;
  /** The room was lost (its node died, the network) since the picture was last recorded. */
  private roomLost = false;
  /** A loop of attempts to join the room again is running. */
  private rejoining = false;
  private readonly abort = new AbortController();
  private readonly limit = new SenderRateLimit();
  /** Annotation packets refused, by reason: written into the log's stop event. */
  private readonly drops = new DropCounter();
  private readonly clock = new CaptureClock();
  private log!: EventLog;
  private audio!: AudioTimeline;
  private overlay!: OverlayCatchUp;
  private video: SegmentedVideo | null = null;
  private mixer = new AudioMixer(SAMPLE_RATE, 1, { blocksize: SAMPLE_RATE / 100 });
  /** The size theatre publishes its picture at, once its track is subscribed. */
  private sourceSize: { width: number; height: number } | null = null;
  /** Theatre's pictures received and not yet written. */
  private readonly pictures = new PictureQueue();
  /** The theatre video track being recorded; null while the picture is away. */
  private pictureSid: string | null = null;
  /** Whose main picture that is (a second theatre's main picture is one of the other sources). */
  private pictureOwner: string | null = null;
  /** The main picture's source id and label as last logged. */
  private mainLogged = '';
  /** Theatre's other pictures, each in its own file on the same timeline. */
  private extras!: ExtraSources;
  /** The main picture last written, and its moment (renderMs): the others are matched to it. */
  private lastWritten: { picture: object; at: number } | null = null;
  private pictureTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the recorded picture last brought a frame (or was subscribed), by performance.now(). */
  private lastFrameAt = 0;
  private pictureWatch: ReturnType<typeof setInterval> | undefined;
  /** watchPicture is asking the nodes whether they answer. */
  private checkingNodes = false;
  /** The nodes that answered just after the room was last joined: the ones watchPicture watches. */
  private answeredAtJoin: readonly string[] = [];
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Slots of this capture given their sound so far (the sound keeps to the clock, see tick). */
  private soundSlots = 0;
  private firstSegment = 0;
  /** Frames and slots already on disk from before a restart. */
  private baseFrames = 0;
  private baseSlots = 0;
  /** Slots of this capture skipped because the writer was too far behind. */
  private skipped = 0;
  private lastSkipAt = -Infinity;
  /** Ops logged, by author and sequence: a snapshot brings none of them twice. */
  private readonly logged = new Set<string>();
  /** Whether the hold in force was written to the log (its resume is written too). */
  private holdLogged = false;
  private reported = '';
  private ticker: ReturnType<typeof setInterval> | undefined;
  /** Why capture stopped on its own, once it has. */
  private failure: string | null = null;
  /** The lease was lost: nothing more may be written. */
  private fenced = false;
  private stopping = false;

  private readonly o: RoomRecorderOptions;

  constructor(o: RoomRecorderOptions) {
    this.o = o;
    this.paths = recordingPaths(o.media.dir, o.recordingId);
  }

  /** Theatre's other pictures being kept: one encoder each. */
  get extraSources(): number {
    return this.extras?.encoders ?? 0;
  }

  /** Frames on disk, from the recording's start. */
  private get frames(): number {
    return this.baseFrames + (this.video?.framesWritten ?? 0);
  }

  /** Where frame `frame` (counted from the recording's start) sits on the timeline, in slots. */
  private slotOfFrame(frame: number): number {
    return frame + this.baseSlots - this.baseFrames + this.skipped;
  }

  /** Timeline position now, in slots (frames written and frames skipped). */
  private get slots(): number {
    return this.slotOfFrame(this.frames);
  }

  private get mediaMs(): number {
    return Math.round((this.slots * 1000) / FPS);
  }

  /**
   * Where on the timeline the picture received most recently sits (or will sit, once the
   * pictures waiting before it are written). An op is placed there: the recorder and the mentor
   * see the theatre's picture through the same SFU, so the picture here when an op arrives is,
   * within a frame, the one the mentor was drawing on.
   */
  private get pictureMs(): number {
    return Math.round((this.slotOfFrame(this.pictures.newestFrame(this.frames)) * 1000) / FPS);
  }

  private record(event: Omit<LoggedEvent, 'mediaMs' | 'at'>, mediaMs = this.mediaMs): void {
    this.safely(() => this.log.append({ mediaMs, at: Date.now(), ...event } as LoggedEvent));
  }

  /** Runs a write; if it fails, capture stops (see `fail`) and nothing more is written. */
  private safely(write: () => void): void {
    if (this.failure || this.fenced) return;
    if (this.o.mayWrite && !this.o.mayWrite()) return this.fence();
    try {
      write();
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * Writing failed (the disk is full, ffmpeg died): stop capturing at once, leave the room and
   * say why, rather than throw out of a timer and take the worker, and every other recording
   * it keeps, down with it.
   */
  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = failureReason(err);
    // The words above are for the room; the whole error is for whoever reads the log.
    console.error(`recording ${this.o.recordingId}:`, err instanceof EncoderStopped ? `${err.message}; ffmpeg said: ${err.detail}` : err);
    this.halt();
    this.video?.kill();
    this.extras?.kill();
    void this.room?.disconnect().catch(() => undefined);
    this.o.onFailed?.(this.failure);
  }

  /**
   * The lease is gone: stop at once without writing another byte. ffmpeg is killed, not asked to
   * finish its segment (the next holder has already dropped that partial segment and writes its
   * own); the logs are closed as they are. Nothing is reported: the api would refuse it.
   */
  private fence(): void {
    if (this.fenced) return;
    this.fenced = true;
    console.error(`recording ${this.o.recordingId}: lease lost; stopped writing it (another worker may hold it now)`);
    this.relinquish();
    this.o.onFenced?.();
  }

  /** Leaves the recording to another worker: capture stops and the files close, nothing more written. */
  relinquish(): void {
    this.fenced = true;
    this.halt();
    this.video?.kill();
    this.extras?.kill();
    void this.room?.disconnect().catch(() => undefined);
    void this.mixer.aclose().catch(() => undefined);
    for (const file of [this.audio, this.log]) {
      try {
        file?.close();
      } catch {
        // Closed already, or the disk failed: either way nothing more is written through it.
      }
    }
  }

  private halt(): void {
    this.stopping = true;
    clearInterval(this.ticker);
    clearInterval(this.pictureWatch);
    clearTimeout(this.pictureTimer);
    clearTimeout(this.idleTimer);
    this.abort.abort();
  }

  async start(paused: boolean): Promise<void> {
    // The disk may be full before the first frame: the recording fails the same way.
    await this.openFiles().catch((err: unknown) => this.fail(err));
    if (this.failure) return;
    this.overlay = new OverlayCatchUp({
      sessionId: this.o.sessionId,
      livekitUrl: () => this.o.livekitWsUrls[this.node]!,
      livekitKeys: this.o.livekitKeys,
      recordingId: this.o.recordingId,
      // One write for the whole snapshot (thousands of ops after a busy session), of the ops not
      // logged live already: the live op, with its moment, is the case's.
      onOps: (from, ops) => {
        const at = { mediaMs: this.pictureMs, at: Date.now() };
        const missed = ops.filter((op) => op.kind !== 'share' && !this.logged.has(opKey(op)));
        missed.forEach((op) => this.logged.add(opKey(op)));
        this.safely(() => this.log.append(...missed.map((op): LoggedEvent => ({ ...at, type: 'op', from, op, snapshot: true }))));
      },
    });
    if (paused) this.pause();
    await this.join();
    void this.pumpAudio();
    this.ticker = setInterval(() => this.safely(() => this.tick()), 1000 / (FPS * 2));
    if (this.o.livekitWsUrls.length > 1) this.pictureWatch = setInterval(() => void this.watchPicture(), 1000);
  }

  /** Joins the room (again, after losing it): a fresh Room, token and handlers each time. */
  private async join(): Promise<void> {
    const room = new Room();
    this.room = room;
    this.answeredAtJoin = [];
    room
      .on(RoomEvent.TrackSubscribed, (track, publication, participant) => this.onTrack(track, publication, participant))
      .on(RoomEvent.TrackUnsubscribed, (_track, publication) => {
        if (publication.sid === this.pictureSid) this.pictureGone();
        else if (publication.sid) this.extras.gone(publication.sid);
      })
      .on(RoomEvent.ParticipantConnected, (p) => {
        this.record({ type: 'join', identity: p.identity, name: p.name, role: roleOf(p.attributes) ?? null });
        this.overlay.announced(room);
      })
      .on(RoomEvent.ParticipantDisconnected, (p) => this.record({ type: 'leave', identity: p.identity }))
      .on(RoomEvent.DataReceived, (payload, participant, _kind, topic) => this.onData(payload, participant, topic))
      // The api announces pause, resume and stop in room metadata: act on it at once (someone
      // pausing because an identifier came into view must not wait for the next poll).
      .on(RoomEvent.RoomMetadataChanged, (metadata) => this.onRecordingState(metadata))
      .on(RoomEvent.Reconnecting, () => void this.onReconnecting(room))
      .on(RoomEvent.Disconnected, (reason) => this.onDisconnected(room, reason));
    this.overlay.listen(room);
    const token = await recorderToken(this.o.livekitKeys, this.o.sessionId, this.o.recordingId);
    this.node = await firstAnswering(this.o.livekitWsUrls, this.node);
    await room.connect(this.o.livekitWsUrls[this.node]!, token, { autoSubscribe: true, dynacast: false }).catch(async (err: unknown) => {
      await room.disconnect().catch(() => undefined);
      throw err;
    });
    for (const p of room.remoteParticipants.values()) {
      this.record({ type: 'join', identity: p.identity, name: p.name, role: roleOf(p.attributes) ?? null });
    }
    if (this.o.livekitWsUrls.length > 1) {
      void answering(this.o.livekitWsUrls).then((urls) => {
        if (room === this.room) this.answeredAtJoin = urls;
      });
    }
    await this.overlay.request(room);
    // No picture to record yet: if none comes, the recording waits for it.
    if (!this.pictureSid) this.pictureGone();
  }

  /**
   * rtc-node lost its node and tries to resume there, for up to a minute (its own retries). If the
   * node does not answer at all (killed, its machine gone), waiting for that is time lost: the
   * room is left and joined again through a node that answers, where LiveKit moves the room once
   * Redis no longer counts the dead node (docs/scaling.md).
   */
  private async onReconnecting(room: Room): Promise<void> {
    const url = this.o.livekitWsUrls[this.node]!;
    if (this.stopping || room !== this.room) return;
    if (await answers(url)) {
      // The node this recorder talks to answers, but the room may live on another node, the one
      // that died (LiveKit relays signalling between nodes): resuming then never works. So it
      // gets RESUME_MS, and the room is joined afresh if it has not worked by then.
      await new Promise((resolve) => setTimeout(resolve, RESUME_MS));
      if (this.stopping || room !== this.room || room.isConnected) return;
      console.log(`recording ${this.o.recordingId}: not back in the room through ${url} after ${RESUME_MS} ms; joining it afresh`);
    } else {
      if (this.stopping || room !== this.room) return;
      console.log(`recording ${this.o.recordingId}: livekit-server node ${url} does not answer; joining the room through another`);
    }
    // From here this Room's own events are not ours: its Disconnected must not start a second rejoin.
    this.room = null;
    void room.disconnect().catch(() => undefined);
    this.rejoin();
  }

  /**
   * In a cluster the room's media may live on another node than the one this recorder signals
   * through (LiveKit relays signalling between nodes through Redis). When the room's node dies,
   * the recorder's own node stays up and rtc-node reports nothing (over 60 s in clean-clone runs):
   * theatre's picture just stops, and the room still says it is published. So the rule: no frame
   * for PICTURE_STALL_MS while the picture is still published and unmuted, and a node that
   * answered when the room was joined answers no longer, is a room lost with that node; it is left
   * and joined afresh, as after rtc-node's own reconnecting. A picture that stops while those
   * nodes answer (theatre's camera hung, or a node dead since before the join, which cannot hold
   * the room) is theatre's doing, and one unpublished, muted or whose publisher left is away
   * (pictureGone): neither moves the recorder. It moves at most once for each node that stops
   * answering, so it does not churn.
   */
  private async watchPicture(): Promise<void> {
    const room = this.room;
    if (this.stopping || this.checkingNodes || !room?.isConnected || !this.pictureStalled(room)) return;
    this.checkingNodes = true;
    try {
      const watched = this.answeredAtJoin;
      const up = await answering(watched);
      const down = watched.filter((url) => !up.includes(url));
      // Frames may have come back while the nodes were asked.
      if (down.length === 0 || this.stopping || room !== this.room || !this.pictureStalled(room)) return;
      const quietMs = Math.round(performance.now() - this.lastFrameAt);
      console.log(`recording ${this.o.recordingId}: no picture for ${quietMs} ms and ${down.join(', ')} does not answer; joining the room afresh`);
      this.room = null;
      void room.disconnect().catch(() => undefined);
      this.rejoin();
    } finally {
      this.checkingNodes = false;
    }
  }

  /** The recorded picture brought no frame for PICTURE_STALL_MS, though `room` says it is still published and unmuted. */
  private pictureStalled(room: Room): boolean {
    const sid = this.pictureSid;
    if (!sid || performance.now() - this.lastFrameAt < PICTURE_STALL_MS) return false;
    for (const p of room.remoteParticipants.values()) {
      const publication = p.trackPublications.get(sid);
      if (publication) return !publication.muted;
    }
    return false;
  }

  /** Lost the room (livekit-server restarted, the network): the picture is away until we are back. */
  private onDisconnected(room: Room, reason: DisconnectReason): void {
    if (this.stopping || room !== this.room || reason === DisconnectReason.CLIENT_INITIATED) return;
    console.log(`recording ${this.o.recordingId}: left the room (${DisconnectReason[reason] ?? reason}); joining again`);
    this.rejoin();
  }

  /**
   * Joins the room again until it works, the picture away meanwhile. The time until the picture
   * is recorded again is marked on the case as a gap, as a takeover's is: what the room saw then
   * is not in the case. Whoever draws meanwhile is asked for the overlay once back (overlay-catch-up.ts).
   */
  private rejoin(): void {
    this.roomLost = true;
    this.pictureGone();
    this.overlay.missedUnknown();
    // One loop of attempts at a time: a Room that failed to connect may still say it disconnected.
    if (this.rejoining) return;
    this.rejoining = true;
    const retry = async () => {
      if (this.stopping) return;
      await this.join().then(
        () => (this.rejoining = false),
        (err: unknown) => {
          console.log(`recording ${this.o.recordingId}: could not join the room again: ${err instanceof Error ? err.message : err}`);
          if (!this.stopping) setTimeout(() => void retry(), REJOIN_MS);
        },
      );
    };
    void retry();
  }

  /** Opens the segments, the sound and the log, after whatever a crash left of them. */
  private async openFiles(): Promise<void> {
    mkdirSync(this.paths.segments, { recursive: true });
    // Segments and the event log another worker, or this one before its disk was lost, stored:
    // numbering goes on after them, none is written over, and the gap is marked.
    await this.o.media.tryRestore(recordingFiles(this.o.recordingId).dir);
    const previous = readEventLog(this.paths.events);
    const kept = await keptSegments(this.paths.segments);
    // Segments a restart left unstored (the bucket was away) go first.
    for (const file of kept.files) this.storeClosed('segments', file);
    this.baseFrames = kept.frames;
    this.baseSlots = slotOf(kept.frames, skipsIn(previous, kept.frames));
    // What a crash cost: sound written after the last whole video segment, and the time since.
    const sound = soundOnDisk(this.paths.sound);
    const lostMs = sound ? Date.now() - sound.mtimeMs + (Math.max(0, sound.slots - this.baseSlots) * 1000) / FPS : 0;
    this.firstSegment = kept.files.length ? Number(/seg_(\d+)/.exec(kept.files.at(-1)!)![1]) + 1 : 0;
    this.audio = new AudioTimeline(this.paths.sound, this.baseSlots, (path) => this.storeClosed('sound', path));
    // The slices before the one being written are whole: stored like the segments (a silent one
    // stands for a slice lost with a disk).
    for (const path of soundSlices(this.paths.sound).slice(0, -1)) this.storeClosed('sound', path);
    this.log = new EventLog(this.paths.events);
    // Sources recorded before a restart keep their files; those met again start new ones.
    const numbers = previous.flatMap((e) => (e.type === 'source' ? [Number(e.n)] : []));
    this.extras = new ExtraSources({
      dir: (n) => this.paths.sources(n),
      firstNumber: numbers.length ? Math.max(...numbers) + 1 : 0,
      mayAdd: () => this.o.mayAddSource?.() ?? true,
      onStart: (source) => this.record({ type: 'source', ...source }),
      onSegment: (n, path) => this.storeClosed(n, path),
      onFailure: (err) => this.fail(err),
    });
    const writer = this.o.writer ? { writer: this.o.writer } : {};
    if (previous.length > 0) {
      this.record({ type: 'gap', lostMs: Math.round(lostMs), reason: RESTARTED, ...writer });
    } else {
      this.record({ type: 'start', ...writer });
    }
  }

  private onTrack(track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant): void {
    if (track.kind === TrackKind.KIND_AUDIO) {
      this.mixer.addStream(new AudioStream(track, SAMPLE_RATE, 1));
      return;
    }
    if (track.kind !== TrackKind.KIND_VIDEO || participant.attributes.role !== 'theatre' || !publication.sid) return;
    const named = parseSourceTrackName(publication.name ?? '') ?? { key: MAIN_SOURCE_KEY, label: '' };
    const id = sourceId(participant.identity, named.key);
    const size = publication.width && publication.height ? { width: publication.width, height: publication.height } : null;
    // The case's main picture is theatre's main one; a second theatre's, while the first's is there, is another source.
    const main = named.key === MAIN_SOURCE_KEY && (this.pictureSid === null || this.pictureOwner === participant.identity);
    if (!main) return this.onOtherSource(track, publication.sid, id, named.label, size);
    // The newest theatre picture is the one recorded (theatre changed source, or came back).
    const sid = publication.sid;
    this.pictureSid = sid;
    this.pictureOwner = participant.identity;
    if (JSON.stringify([id, named.label]) !== this.mainLogged) {
      this.mainLogged = JSON.stringify([id, named.label]);
      this.record({ type: 'main', id, label: named.label });
    }
    if (size) this.sourceSize = size;
    clearTimeout(this.pictureTimer);
    this.lastFrameAt = performance.now();
    void (async () => {
      let first = true;
      for await (const { frame, timestampUs } of new VideoStream(track, { queueSizeFrames: RECEIVE_QUEUE_FRAMES })) {
        if (this.abort.signal.aborted || this.pictureSid !== sid) break;
        this.lastFrameAt = performance.now();
        const i420 = frame.type === VideoBufferType.I420 ? frame : frame.convert(VideoBufferType.I420);
        // The frame's data is already this process's own copy.
        this.pictures.push({ data: i420.data, width: i420.width, height: i420.height, at: renderMs(timestampUs) });
        // Capture carries on with the first new picture, not the last one from before the absence.
        if (first) this.pictureBack();
        first = false;
      }
    })().catch((err) => console.error(`recording ${this.o.recordingId}: video stream ended:`, err));
  }

  /** One of theatre's other pictures: kept in its own file, if the CPU budget has room for it. */
  private onOtherSource(track: RemoteTrack, sid: string, id: string, label: string, size: { width: number; height: number } | null): void {
    if (!this.extras.track(id, label, sid, size)) return console.log(`recording ${this.o.recordingId}: no CPU budget left to keep ${id}; not recorded`);
    void (async () => {
      for await (const { frame, timestampUs } of new VideoStream(track, { queueSizeFrames: RECEIVE_QUEUE_FRAMES })) {
        if (this.abort.signal.aborted) break;
        const i420 = frame.type === VideoBufferType.I420 ? frame : frame.convert(VideoBufferType.I420);
        if (!this.extras.push(id, sid, { data: i420.data, width: i420.width, height: i420.height, at: renderMs(timestampUs) })) break;
      }
    })().catch((err) => console.error(`recording ${this.o.recordingId}: video stream of ${id} ended:`, err));
  }

  /**
   * Theatre's picture is gone: nothing more is written (a picture held on the timeline would show
   * what is no longer there). After a grace (a change of source, a quick reconnect) the recording
   * is said to wait, and the wait for the picture to come back is timed.
   */
  private pictureGone(): void {
    // Leaving the room at a stop unsubscribes the picture: not an absence to log after the stop.
    if (this.stopping) return;
    this.pictureSid = null;
    this.hold('picture');
    clearTimeout(this.pictureTimer);
    this.pictureTimer = setTimeout(() => {
      if (this.pictureSid !== null || this.stopping) return;
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => this.o.onIdle?.(), this.o.idleStopMs);
      this.report();
    }, PICTURE_GRACE_MS);
  }

  private pictureBack(): void {
    clearTimeout(this.pictureTimer);
    clearTimeout(this.idleTimer);
    if (this.clock.has('picture')) this.release('picture');
    this.report();
  }

  private async pumpAudio(): Promise<void> {
    for await (const frame of this.mixer) {
      if (this.abort.signal.aborted) break;
      if (!this.clock.held && this.video) this.audio.push(frame.data);
    }
  }

  /**
   * Writes every video frame (and its sound) the clock is due, PLAYOUT_DELAY_FRAMES behind the
   * pictures, each frame the picture PictureQueue gives it; skips the frames a writer too far
   * behind missed.
   */
  private tick(): void {
    if (this.clock.held) {
      // Nothing seen while held is recorded.
      this.pictures.clear();
      this.extras.clear();
      return;
    }
    const first = this.pictures.first;
    if (!first) return;
    if (!this.video) {
      const size = recordingSize(this.sourceSize ?? first);
      this.video = new SegmentedVideo({
        dir: this.paths.segments,
        ...size,
        firstSegment: this.firstSegment,
        onFailure: (err) => this.fail(err),
        onSegment: (path) => this.storeClosed('segments', path),
      });
      this.clock.start();
      this.soundSlots = 0;
      this.report();
    }
    const v = this.video;
    const due = this.clock.due(PLAYOUT_DELAY_FRAMES);
    const taken = () => v.framesWritten + this.skipped;
    const room = () => v.backlog < MAX_BACKLOG_FRAMES * v.frameBytes && !this.extras.behind(MAX_BACKLOG_FRAMES);
    while (taken() < due && room()) this.writeFrame(v, due - taken() === 1);
    if (due - taken() > MAX_BEHIND_FRAMES) this.skipSlots(due - taken());
    // The sound goes to its own file, not through ffmpeg: it keeps to the clock while the
    // pictures wait for a slow encoder.
    this.writeSoundTo(Math.max(due, taken()));
    if (this.lastSkipAt > -Infinity && performance.now() - this.lastSkipAt > DEGRADED_FOR_MS) this.report();
  }

  /** The writer is too far behind: the slots it missed go by with the picture held. */
  private skipSlots(slots: number): void {
    this.record({ type: 'skip', frame: this.frames, slots });
    this.skipped += slots;
    // The pictures waiting belong to the slots skipped, but the newest few.
    this.pictures.keepNewest(PLAYOUT_DELAY_FRAMES);
    this.lastSkipAt = performance.now();
    this.report();
  }

  /** Writes a slot's worth of sound for every slot of this capture up to `slot` not yet given sound. */
  private writeSoundTo(slot: number): void {
    for (; this.soundSlots < slot; this.soundSlots++) this.audio.writeFrame();
  }

  /** Writes the next picture waiting, or the last one again; `lastDue`: see PictureQueue.take. */
  private writeFrame(v: SegmentedVideo, lastDue = false): void {
    const frame = this.frames;
    const picture = this.pictures.take(frame, lastDue);
    v.write(
      picture.width === v.width && picture.height === v.height ? picture.data : resizeI420(picture.data, picture.width, picture.height, v.width, v.height),
    );
    // The main picture held (its next one late, or lost before it reached us on a machine out of
    // CPU): the others hold too, rather than run on up to two frames ahead of it.
    const at = this.lastWritten?.picture === picture ? this.lastWritten.at : (picture.at ?? this.lastWritten?.at ?? 0);
    this.lastWritten = { picture, at };
    this.extras.write(frame, at);
  }

  /**
   * Pictures that arrived before a hold or stop were on screen before it: they are written now
   * rather than dropped. The clock is that far ahead after it, so a resume waits the delay again.
   */
  private writeWaiting(): void {
    if (!this.video) return;
    while (this.pictures.length > 0) this.writeFrame(this.video);
    this.writeSoundTo(this.video.framesWritten + this.skipped);
  }

  /** Waits (STOP_CATCH_UP_MS at most) until every other picture has received moment `at`. */
  private async othersCaughtUp(at: number): Promise<void> {
    const until = performance.now() + STOP_CATCH_UP_MS;
    while (!(this.extras?.reached(at) ?? true) && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Tells the worker the state, when it changed: capturing or waiting, degraded or not. */
  private report(): void {
    if (this.stopping) return;
    const degraded = performance.now() - this.lastSkipAt <= DEGRADED_FOR_MS;
    if (!degraded) this.lastSkipAt = -Infinity;
    // Within the grace after the picture went, the room is not told anything yet.
    const waiting = this.clock.has('picture') && this.clock.heldFor() >= PICTURE_GRACE_MS - 50;
    if (this.clock.has('picture') && !waiting) return;
    const state: RecorderState = { capture: waiting ? 'waiting' : 'capturing', degraded };
    // Capturing means a frame was written: before the first, REC shows as starting.
    if (state.capture === 'capturing' && !this.video) return;
    const text = JSON.stringify(state);
    if (text === this.reported) return;
    this.reported = text;
    this.o.onState?.(state);
  }

  private onData(payload: Uint8Array, participant: RemoteParticipant | undefined, topic: string | undefined): void {
    if (topic === TOPICS.exam) return this.onExamNotice(payload, participant);
    if (topic === TOPICS.vitals) return this.onVitals(payload, participant);
    if (topic !== TOPICS.ops) return;
    if (!participant) {
      // livekit-server announces a participant who publishes nothing up to 3 s late, but
      // forwards its data at once, and rtc-node does not say who sent it: the packet's own
      // `author` cannot be trusted to say. It is dropped; once someone new is announced, the
      // overlay holders are asked for the overlay, which has what these packets drew.
      this.drops.add('not_allowed');
      this.overlay.missedUnknown();
      return;
    }
    if (!this.limit.allow(participant.identity)) return this.drops.add('rate_limited');
    const received = parseOpPacket(payload, { identity: participant.identity, role: roleOf(participant.attributes) }, Date.now());
    if (!received.ok) return this.drops.add(received.reason);
    // A prior image shown to everyone is the patient's: the room sees it, a case never keeps it.
    if (received.op.kind === 'share') return;
    this.logged.add(opKey(received.op));
    this.record({ type: 'op', from: participant.identity, op: received.op }, this.pictureMs);
  }

  /**
   * A still arrived at the api (an exam's view, a mentor's freeze frame): it goes on the timeline
   * where the picture is now, as an op would, so the case shows it at the moment it was taken.
   * Only the api's own packets count (no participant: sent by the server), and only the one that
   * says the still just arrived, not the later ones about its verdict.
   */
  private onExamNotice(payload: Uint8Array, participant: RemoteParticipant | undefined): void {
    const notice = fromApi(ExamNotice, payload, participant);
    if (notice?.captured && notice.stillId) this.record({ type: 'still', stillId: notice.stillId }, this.pictureMs);
  }

  /**
   * The patient monitor's values (or the session's new alarm limits), from the api only: they go
   * on the timeline where the picture is now, so that the case's strip shows what the room saw then.
   */
  /** The alarm limits last put on the timeline, as JSON. */
  private vitalsLimits = '';

  private onVitals(payload: Uint8Array, participant: RemoteParticipant | undefined): void {
    const packet = fromApi(VitalsPacket, payload, participant);
    if (!packet) return;
    // The api sends the limits with every message: the track keeps them where they change.
    const limits = packet.limits && JSON.stringify(packet.limits) !== this.vitalsLimits ? packet.limits : undefined;
    if (limits) this.vitalsLimits = JSON.stringify(limits);
    if (!limits && Object.keys(packet.values).length === 0) return;
    this.record({ type: 'vitals', t: packet.t, values: packet.values, ...(limits ? { limits } : {}) }, this.pictureMs);
  }

  private onRecordingState(metadata: string): void {
    // Metadata cleared is not a stop: only the api writes it, and it always says the state.
    if (!metadata) return;
    const { recording } = parseRoomMetadata(metadata);
    if (recording === 'recording' || recording === 'waiting') this.resume();
    else if (recording === 'paused') this.pause();
    // Stopped: capture ends now; the stop itself is logged when the worker finishes the recording.
    else if (recording === 'off') this.hold('person', false);
  }

  /** A person paused the recording. */
  pause(): void {
    this.hold('person');
  }

  /** A person resumed it (capture runs again unless the picture is away). */
  resume(): void {
    this.release('person');
  }

  private hold(reason: Hold, log = true): void {
    if (this.clock.has(reason)) return;
    const wasRunning = !this.clock.held;
    if (wasRunning) this.safely(() => this.writeWaiting());
    this.clock.hold(reason);
    if (!wasRunning) return;
    this.audio.discardQueued();
    // Before the first frame there is nothing on the timeline to mark.
    this.holdLogged = log && !!this.video;
    if (this.holdLogged) this.record({ type: 'pause', reason: reason === 'picture' ? 'no_picture' : 'person' });
  }

  /**
   * Stores a closed video segment (the main picture's, or the `n`th other source's) or sound
   * slice in the bucket in the background, retried until it is there: a worker whose disk is lost
   * loses at most the segment and slice being written. Once capture stops, finishing the case
   * stores whatever is left (worker.ts).
   */
  private storeClosed(folder: 'segments' | 'sound' | number, path: string): void {
    const files = recordingFiles(this.o.recordingId);
    const segment = `${typeof folder === 'number' ? files.sourceSegments(folder) : files[folder]}/${basename(path)}`;
    // With a video segment, the event log (small) as it stands: the ops up to it survive with it.
    const stored = this.o.media
      .store(segment, this.abort.signal)
      .then(() => (folder !== 'sound' ? this.o.media.store(files.events, this.abort.signal) : undefined));
    stored.catch((err: unknown) => {
      if (!this.abort.signal.aborted) console.error(`recording ${this.o.recordingId}: could not store ${segment}: ${String(err)}`);
    });
  }

  private release(reason: Hold): void {
    const heldMs = this.clock.release(reason);
    const roomLost = reason === 'picture' && this.roomLost;
    if (reason === 'picture') this.roomLost = false;
    if (heldMs === null || !this.holdLogged) return;
    if (roomLost) {
      // Marked as media lost, like a takeover's gap: the room itself was away, not theatre's picture.
      const node = this.o.livekitWsUrls[this.node];
      const writer = this.o.writer ? { writer: this.o.writer } : {};
      this.record({ type: 'gap', lostMs: Math.round(heldMs), reason: `left the room and joined it again through ${node}`, ...writer });
      return;
    }
    this.record({ type: 'resume', reason: reason === 'picture' ? 'no_picture' : 'person', heldMs: Math.round(heldMs) });
  }

  /** Stops capturing: the last segment is finished, the logs closed, the room left. */
  async stop(): Promise<void> {
    if (this.fenced) return;
    const stopAt = this.clock.held ? undefined : this.pictures.newestAt;
    if (stopAt !== undefined) await this.othersCaughtUp(stopAt);
    if (this.fenced) return;
    const running = !this.clock.held;
    this.halt();
    if (running) {
      // What came of the main picture while the others caught up is after the stop.
      if (stopAt !== undefined) this.pictures.dropAfter(stopAt);
      this.safely(() => this.writeWaiting());
    }
    this.record({
      type: 'stop',
      dropped: this.drops.counts,
      picturesShed: this.pictures.shed,
      picturesShedForClock: this.pictures.shedForClock,
      skipped: this.skipped,
    });
    // The lease was found lost on the way: everything is closed already.
    if (this.fenced) return;
    await this.room?.disconnect().catch(() => undefined);
    await this.mixer.aclose().catch(() => undefined);
    if (!this.failure) await Promise.all([this.video?.close(), this.extras?.close()]);
    // After a failed write, the files are closed as they are: flushing them could fail the same way.
    for (const file of [this.audio, this.log]) {
      try {
        file?.close();
      } catch (err) {
        if (!this.failure) throw err;
      }
    }
  }
}
