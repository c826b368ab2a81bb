/**
 * Records one live session: joins its room as a hidden participant, writes the theatre's
 * picture in segments and everyone's voices as PCM on one media clock, and logs every valid
 * annotation op, pause, join and leave on that same clock. Resumes after a crash where the
 * media on disk ends, and marks the gap.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import {
  AudioMixer,
  AudioStream,
  Room,
  RoomEvent,
  TrackKind,
  VideoBufferType,
  VideoStream,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type TextStreamReader,
} from '@livekit/rtc-node';
import { DataPacket_Kind, RoomServiceClient } from 'livekit-server-sdk';
import {
  ANNOTATION_VERSION,
  MAX_SNAPSHOT_BYTES,
  OVERLAY_HOLDER_ROLES,
  OverlaySnapshot,
  TOPICS,
  parseOpPacket,
  parseRoomMetadata,
  roleOf,
  DropCounter,
  SenderRateLimit,
  type ResyncRequest,
} from '@loupe/protocol';
import { EventLog, readEventLog, type LoggedEvent } from './event-log.ts';
import { AudioTimeline, SAMPLE_RATE, SAMPLES_PER_FRAME } from './media/audio-timeline.ts';
import { PLAYOUT_DELAY_FRAMES, PictureQueue } from './media/picture-queue.ts';
import { EncoderStopped, FPS, SegmentedVideo, resizeI420 } from './media/segmented-video.ts';
import { keptSegments, recordingPaths, type RecordingPaths } from './media/recording-files.ts';
import { recordingSize } from './media/recording-size.ts';
import { failureReason } from './failure-reason.ts';
import { recorderToken } from './token.ts';

/**
 * A second of raw pictures waiting in ffmpeg's pipe, at most. When the CPU is short, ffmpeg
 * encodes slower than real time, and writing every frame the clock is due anyway kept ~40 MB a
 * second of them in memory (+1.4 GB in one squeeze under load). Past this, frames wait: the
 * clock runs on, and once ffmpeg catches up the frames due are written at once from the pictures
 * still waiting (a second's worth at most; older ones are shed and counted), the last one
 * repeated for the rest. The timeline, the sound beside it and the ops placed on it stay true.
 * Half a second each shed 40 pictures of 2 600 at four streams on a busy machine (bench
 * `recorder`), where ffmpeg falls a little behind now and then.
 */
const MAX_BACKLOG_FRAMES = 30;

export type RoomRecorderOptions = {
  /** Called once the first frame is written: only then does everyone see REC. */
  onCapturing?: () => void;
  /** Called once if writing fails (the disk is full): capture has stopped, the room is left. */
  onFailed?: (reason: string) => void;
  recordingId: string;
  sessionId: string;
  livekitWsUrl: string;
  livekitKeys: { apiKey: string; apiSecret: string };
  mediaDir: string;
};

export class RoomRecorder {
  readonly paths: RecordingPaths;
  private readonly room = new Room();
  private readonly abort = new AbortController();
  private readonly limit = new SenderRateLimit();
  /** Annotation packets refused, by reason: written into the log's stop event. */
  private readonly drops = new DropCounter();
  private log!: EventLog;
  private audio!: AudioTimeline;
  private video: SegmentedVideo | null = null;
  private mixer = new AudioMixer(SAMPLE_RATE, 1, { blocksize: SAMPLE_RATE / 100 });
  /** The size theatre publishes its picture at, once its track is subscribed. */
  private sourceSize: { width: number; height: number } | null = null;
  /** Theatre's pictures received and not yet written. */
  private readonly pictures = new PictureQueue();
  /** Frames of this capture given their sound so far (the sound keeps to the clock, see tick). */
  private soundFrames = 0;
  private firstSegment = 0;
  /** Frames already on disk from before a restart. */
  private baseFrames = 0;
  private clockStart = 0;
  private pausedAt: number | null = null;
  private pausedTotal = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;
  /** Why capture stopped on its own, once it has. */
  private failure: string | null = null;
  /** Packets from participants the room has not announced yet, by claimed author. */
  /** Ops came from someone not announced yet (see onData). */
  private missedUnknown = false;

  private readonly o: RoomRecorderOptions;

  constructor(o: RoomRecorderOptions) {
    this.o = o;
    this.paths = recordingPaths(o.mediaDir, o.recordingId);
  }

  /** Media timeline position now, in frames. */
  private get frames(): number {
    return this.baseFrames + (this.video?.framesWritten ?? 0);
  }

  private get mediaMs(): number {
    return Math.round((this.frames * 1000) / FPS);
  }

  private record(event: Omit<LoggedEvent, 'mediaMs' | 'at'>, mediaMs = this.mediaMs): void {
    this.safely(() => this.log.append({ mediaMs, at: Date.now(), ...event } as LoggedEvent));
  }

  /** Runs a write; if it fails, capture stops (see `fail`) and nothing more is written. */
  private safely(write: () => void): void {
    if (this.failure) return;
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
    clearInterval(this.ticker);
    this.abort.abort();
    this.video?.kill();
    void this.room.disconnect().catch(() => undefined);
    this.o.onFailed?.(this.failure);
  }

  /**
   * Where on the media timeline the picture received most recently sits (or will sit, once the
   * pictures waiting before it are written). An op is placed there: the recorder and the mentor
   * see the theatre's picture through the same SFU, so the picture here when an op arrives is,
   * within a frame, the one the mentor was drawing on.
   */
  private get pictureMs(): number {
    return Math.round((this.pictures.newestFrame(this.frames) * 1000) / FPS);
  }

  async start(paused: boolean): Promise<void> {
    // The disk may be full before the first frame: the recording fails the same way.
    await this.openFiles().catch((err: unknown) => this.fail(err));
    if (this.failure) return;
    if (paused) this.pause();

    this.room
      .on(RoomEvent.TrackSubscribed, (track, publication, participant) => this.onTrack(track, publication, participant))
      .on(RoomEvent.ParticipantConnected, (p) => {
        this.record({ type: 'join', identity: p.identity, name: p.name, role: roleOf(p.attributes) ?? null });
        if (this.missedUnknown) {
          this.missedUnknown = false;
          void this.requestOverlay();
        }
      })
      .on(RoomEvent.ParticipantDisconnected, (p) => this.record({ type: 'leave', identity: p.identity }))
      .on(RoomEvent.DataReceived, (payload, participant, _kind, topic) => this.onData(payload, participant, topic))
      // The api announces pause, resume and stop in room metadata: act on it at once (someone
      // pausing because an identifier came into view must not wait for the next poll).
      .on(RoomEvent.RoomMetadataChanged, (metadata) => this.onRecordingState(metadata));
    this.room.registerTextStreamHandler(TOPICS.snapshot, (reader, { identity }) => void this.onSnapshot(reader, identity));
    const token = await recorderToken(this.o.livekitKeys, this.o.sessionId, this.o.recordingId);
    await this.room.connect(this.o.livekitWsUrl, token, { autoSubscribe: true, dynacast: false });
    for (const p of this.room.remoteParticipants.values()) {
      this.record({ type: 'join', identity: p.identity, name: p.name, role: roleOf(p.attributes) ?? null });
    }
    await this.requestOverlay();
    void this.pumpAudio();
    this.ticker = setInterval(() => this.safely(() => this.tick()), 1000 / (FPS * 2));
  }

  /** Opens the segments, the sound and the log, after whatever a crash left of them. */
  private async openFiles(): Promise<void> {
    mkdirSync(this.paths.segments, { recursive: true });
    const previous = readEventLog(this.paths.events);
    const kept = await keptSegments(this.paths.segments);
    // What a crash cost: sound written after the last whole video segment, and the time since.
    const audioOnDisk = existsSync(this.paths.audio) ? statSync(this.paths.audio) : null;
    const audioFrames = audioOnDisk ? Math.floor(audioOnDisk.size / (SAMPLES_PER_FRAME * 2)) : 0;
    const lostMs = audioOnDisk
      ? Date.now() - audioOnDisk.mtimeMs + (Math.max(0, audioFrames - kept.frames) * 1000) / FPS
      : 0;
    this.baseFrames = kept.frames;
    this.firstSegment = kept.files.length ? Number(/seg_(\d+)/.exec(kept.files.at(-1)!)![1]) + 1 : 0;
    this.audio = new AudioTimeline(this.paths.audio, this.baseFrames);
    this.log = new EventLog(this.paths.events);
    if (previous.length > 0) {
      this.record({ type: 'gap', lostMs: Math.round(lostMs), reason: 'recorder restarted' });
    } else {
      this.record({ type: 'start' });
    }
  }

  /**
   * What was drawn before recording began (or before a restart) is on screen too: ask the
   * overlay holders for a snapshot, as a late joiner would, through livekit-server itself.
   */
  private async requestOverlay(): Promise<void> {
    const holders = [...this.room.remoteParticipants.values()]
      .filter((p) => OVERLAY_HOLDER_ROLES.includes(roleOf(p.attributes) ?? 'observer') && p.attributes.display !== 'true')
      .map((p) => p.identity);
    if (holders.length === 0) return;
    const request: ResyncRequest = { v: ANNOTATION_VERSION, kind: 'resync', requester: this.room.localParticipant!.identity };
    const server = new RoomServiceClient(this.o.livekitWsUrl.replace(/^ws/, 'http'), this.o.livekitKeys.apiKey, this.o.livekitKeys.apiSecret);
    await server
      .sendData(this.o.sessionId, new TextEncoder().encode(JSON.stringify(request)), DataPacket_Kind.RELIABLE, {
        topic: TOPICS.resync,
        destinationIdentities: holders,
      })
      .catch((err) => console.error(`recording ${this.o.recordingId}: could not ask for the overlay:`, err));
  }

  private async onSnapshot(reader: TextStreamReader, identity: string): Promise<void> {
    const sender = this.room.remoteParticipants.get(identity);
    const role = roleOf(sender?.attributes);
    if (!role || !OVERLAY_HOLDER_ROLES.includes(role)) return;
    const text = await reader.readAll().catch(() => '');
    if (text.length > MAX_SNAPSHOT_BYTES) return;
    let parsed;
    try {
      parsed = OverlaySnapshot.safeParse(JSON.parse(text));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const at = this.pictureMs;
    for (const op of parsed.data.ops) this.record({ type: 'op', from: identity, op, snapshot: true }, at);
  }

  private onTrack(track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant): void {
    if (track.kind === TrackKind.KIND_AUDIO) {
      this.mixer.addStream(new AudioStream(track, SAMPLE_RATE, 1));
      return;
    }
    if (track.kind !== TrackKind.KIND_VIDEO || participant.attributes.role !== 'theatre') return;
    if (publication.width && publication.height) this.sourceSize = { width: publication.width, height: publication.height };
    void (async () => {
      for await (const { frame } of new VideoStream(track)) {
        if (this.abort.signal.aborted) break;
        const i420 = frame.type === VideoBufferType.I420 ? frame : frame.convert(VideoBufferType.I420);
        // The frame's data is already this process's own copy.
        this.pictures.push({ data: i420.data, width: i420.width, height: i420.height });
      }
    })().catch((err) => console.error(`recording ${this.o.recordingId}: video stream ended:`, err));
  }

  private async pumpAudio(): Promise<void> {
    for await (const frame of this.mixer) {
      if (this.abort.signal.aborted) break;
      if (this.pausedAt === null && this.video) this.audio.push(frame.data);
    }
  }

  /**
   * Writes every video frame (and its sound) the media clock is due, PLAYOUT_DELAY_FRAMES behind
   * the pictures, each frame the picture PictureQueue gives it.
   */
  private tick(): void {
    if (this.pausedAt !== null) {
      // Nothing seen while paused is recorded.
      this.pictures.clear();
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
      });
      this.clockStart = performance.now();
      this.pausedTotal = 0;
      this.soundFrames = 0;
      this.o.onCapturing?.();
    }
    const v = this.video;
    const due = Math.floor(((performance.now() - this.clockStart - this.pausedTotal) * FPS) / 1000) - PLAYOUT_DELAY_FRAMES;
    while (v.framesWritten < due && v.backlog < MAX_BACKLOG_FRAMES * v.frameBytes) {
      this.writeFrame(v, due - v.framesWritten === 1);
    }
    // The sound goes to its own file, not through ffmpeg: it keeps to the clock while the
    // pictures wait for a slow encoder (its queue holds only half a second).
    this.writeSoundTo(Math.max(due, v.framesWritten));
  }

  /** Writes a frame's worth of sound for every frame up to `frame` not yet given sound. */
  private writeSoundTo(frame: number): void {
    for (; this.soundFrames < frame; this.soundFrames++) this.audio.writeFrame();
  }

  /** Writes the next picture waiting, or the last one again; `lastDue`: see PictureQueue.take. */
  private writeFrame(v: SegmentedVideo, lastDue = false): void {
    const picture = this.pictures.take(this.frames, lastDue);
    v.write(
      picture.width === v.width && picture.height === v.height
        ? picture.data
        : resizeI420(picture.data, picture.width, picture.height, v.width, v.height),
    );
  }

  /**
   * Pictures that arrived before a pause or stop were on screen before it: they are written now
   * rather than dropped. The clock is that far ahead after it, so a resume waits the delay again.
   */
  private writeWaiting(): void {
    if (!this.video) return;
    while (this.pictures.length > 0) this.writeFrame(this.video);
    this.writeSoundTo(this.video.framesWritten);
  }

  private onData(payload: Uint8Array, participant: RemoteParticipant | undefined, topic: string | undefined): void {
    if (topic !== TOPICS.ops) return;
    if (!participant) {
      // livekit-server announces a participant who publishes nothing up to 3 s late, but
      // forwards its data at once, and rtc-node does not say who sent it: the packet's own
      // `author` cannot be trusted to say. It is dropped; once someone new is announced, the
      // overlay holders are asked for the overlay, which has what these packets drew.
      this.drops.add('not_allowed');
      this.missedUnknown = true;
      return;
    }
    if (!this.limit.allow(participant.identity)) return this.drops.add('rate_limited');
    const received = parseOpPacket(payload, { identity: participant.identity, role: roleOf(participant.attributes) });
    if (received.ok) this.record({ type: 'op', from: participant.identity, op: received.op }, this.pictureMs);
    else this.drops.add(received.reason);
  }

  private onRecordingState(metadata: string): void {
    // Metadata cleared is not a stop: only the api writes it, and it always says the state.
    if (!metadata) return;
    const { recording } = parseRoomMetadata(metadata);
    if (recording === 'recording') this.resume();
    else if (recording === 'paused') this.pause();
    // Stopped: capture ends now; the stop itself is logged when the worker finishes the recording.
    else if (recording === 'off') this.pause(false);
  }

  pause(log = true): void {
    if (this.pausedAt !== null) return;
    this.safely(() => this.writeWaiting());
    this.pausedAt = performance.now();
    this.audio.discardQueued();
    if (log) this.record({ type: 'pause' });
  }

  resume(): void {
    if (this.pausedAt === null) return;
    this.pausedTotal += performance.now() - this.pausedAt;
    this.pausedAt = null;
    this.record({ type: 'resume' });
  }

  /** Stops capturing: the last segment is finished, the logs closed, the room left. */
  async stop(): Promise<void> {
    clearInterval(this.ticker);
    this.abort.abort();
    if (this.pausedAt === null) this.safely(() => this.writeWaiting());
    this.record({ type: 'stop', dropped: this.drops.counts, picturesShed: this.pictures.shed, picturesShedForClock: this.pictures.shedForClock });
    await this.room.disconnect().catch(() => undefined);
    await this.mixer.aclose().catch(() => undefined);
    if (!this.failure) await this.video?.close();
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
