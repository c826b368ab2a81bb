/**
 * Theatre's other pictures (issue 16): each kept as its own video beside the main one, written
 * frame for frame with it. Every time the main picture's writer writes a frame, each source writes
 * one too (once its picture of that moment has come, up to MAX_LAG_MS later), so that all share
 * the case's timeline: the same slots, the same skips, the same holds.
 * A source's file starts at the main frame where its first picture was written (logged as a
 * `source` event), and holds black while the source is away.
 *
 * Which picture a source writes is chosen by its moment: the newest whose WebRTC render time
 * (room-recorder.ts `renderMs`, theatre's capture clock mapped onto ours) is not after that of
 * the main picture written on that frame, or the next one when that is nearer (nearestBy: the
 * picture of the moment was lost). Theatre captures its pictures together, so their moments line
 * up within a frame. Arrival did not: after a stall one track's frames come in a burst (5 to 9
 * frames off in the test under load); counting each source's pictures in order let a source that
 * once came a frame late stay a frame behind for good.
 * A source's segments end where the main picture's do (SegmentedVideo `alignedTo`): the case
 * places the main picture's skips segment by segment (finalise.ts), in its files as in the main one.
 */
import { mkdirSync } from 'node:fs';
import { MAX_SOURCES } from '@loupe/protocol';
import { FPS, SegmentedVideo, resizeI420 } from './segmented-video.ts';
import type { Picture } from './picture-queue.ts';
import { recordingSize } from './recording-size.ts';

/** A picture and its moment (ms, WebRTC's render time). */
export type TimedPicture = Picture & { at: number };

/**
 * Other pictures one recording keeps at most: two theatres' (two hospitals) full sets beside the
 * main one. A theatre's page publishes MAX_SOURCES; a client publishing more is not followed.
 */
export const MAX_OTHER_SOURCES = 2 * MAX_SOURCES - 1;
/** A second of pictures per source, at most: the main picture waits up to that long to be written. */
const MAX_WAITING = 30;
/**
 * How long a source's frame may wait for its picture of the main frame's moment. A source's file
 * is written behind the main one, each frame once its picture has come (or this long after the
 * main frame): under load one track's pictures came 500 ms after the main picture's, and written
 * with the main frame, the source held an older picture through them (15 frames off).
 */
const MAX_LAG_MS = 1000;
/** A picture counts as there at a moment if its own is at most half a frame after it. */
const HALF_FRAME_MS = 500 / FPS;

type Source = {
  n: number;
  id: string;
  label: string;
  /** The track being received now; null while the source is away. */
  sid: string | null;
  size: { width: number; height: number } | null;
  /** Pictures received, oldest first; `null` marks where the source went away. */
  waiting: (TimedPicture | null)[];
  /** The moment of the newest picture received. */
  newestAt: number;
  /** Main frames written whose frame of this source is not yet: each waits for its picture, oldest first. */
  pending: { frame: number; at: number; since: number }[];
  /** What this source's frames show now: a picture, or black. */
  current: TimedPicture | null;
  video: SegmentedVideo | null;
};

export type ExtraSourcesOptions = {
  /** Where the `n`th source's segments go. */
  dir: (n: number) => string;
  /** The number the first source gets (after those a restart left). */
  firstNumber: number;
  /** Whether another encoder may start now (the worker's CPU budget). */
  mayAdd: () => boolean;
  /** A source's first frame is about to be written on main frame `frame`. */
  onStart: (source: { n: number; id: string; label: string; frame: number }) => void;
  onSegment: (n: number, path: string) => void;
  onFailure: (err: Error) => void;
};

/** Whether `s` has received its picture of moment `at` (give or take half a frame), or is away and sends none. */
function hasMoment(s: Source, at: number): boolean {
  return s.sid === null || s.newestAt >= at - HALF_FRAME_MS;
}

export class ExtraSources {
  private readonly sources = new Map<string, Source>();
  private next: number;
  private readonly o: ExtraSourcesOptions;

  constructor(o: ExtraSourcesOptions) {
    this.o = o;
    this.next = o.firstNumber;
  }

  /** Sources kept, each an encoder (from its first picture on). */
  get encoders(): number {
    return this.sources.size;
  }

  /**
   * Source `id`'s track `sid` is subscribed (new, or back after being away): its pictures are
   * kept from now on. False when the CPU budget has no room for another encoder.
   */
  track(id: string, label: string, sid: string, size: { width: number; height: number } | null): boolean {
    let source = this.sources.get(id);
    if (!source) {
      if (this.sources.size >= MAX_OTHER_SOURCES || !this.o.mayAdd()) return false;
      source = { n: this.next++, id, label, sid, size, waiting: [], newestAt: -Infinity, pending: [], current: null, video: null };
      this.sources.set(id, source);
    }
    source.sid = sid;
    source.size ??= size;
    return true;
  }

  /** The track `sid` went away: its source holds black once the pictures it sent are written. */
  gone(sid: string): void {
    for (const s of this.sources.values()) {
      if (s.sid !== sid) continue;
      s.sid = null;
      s.waiting.push(null);
    }
  }

  /** A picture of track `sid` arrived; false when that track is not (or no longer) kept. */
  push(id: string, sid: string, picture: TimedPicture): boolean {
    const source = this.sources.get(id);
    if (!source || source.sid !== sid) return false;
    source.waiting.push(picture);
    source.newestAt = Math.max(source.newestAt, picture.at);
    if (source.waiting.length > MAX_WAITING) source.waiting.splice(0, source.waiting.length - MAX_WAITING);
    this.drain(source);
    return true;
  }

  /**
   * Whether every source being written and still there has received its picture of moment `at`
   * (give or take half a frame): a track whose pictures come late in a burst has not yet.
   */
  reached(at: number): boolean {
    return [...this.sources.values()].every((s) => !s.video || hasMoment(s, at));
  }

  /** Nothing seen while the recording is held is recorded; the frames before the hold are written with what came. */
  clear(): void {
    for (const s of this.sources.values()) {
      this.drain(s, true);
      s.waiting = s.waiting.filter((p) => p === null);
    }
  }

  /**
   * Main frame `frame`, whose picture's moment is `at`, is written: each source writes its frame
   * for it once its picture of that moment has come (at most MAX_LAG_MS later).
   */
  write(frame: number, at: number): void {
    const since = performance.now();
    for (const s of this.sources.values()) {
      s.pending.push({ frame, at, since });
      this.drain(s);
    }
  }

  /** Writes the frames of `s` whose picture has come, or waited long enough; all of them if `all`. */
  private drain(s: Source, all = false): void {
    const now = performance.now();
    while (s.pending.length > 0) {
      const { frame, at, since } = s.pending[0]!;
      if (!all && !hasMoment(s, at) && now - since < MAX_LAG_MS) return;
      s.pending.shift();
      this.writeFrame(s, frame, at);
    }
  }

  /**
   * Writes the frame of `s` for main frame `frame`: its picture of moment `at`, or when that one
   * never came (lost on a busy machine), the nearest of the one before and the next one. A source
   * that has shown nothing yet starts with its first picture.
   */
  private writeFrame(s: Source, frame: number, at: number): void {
    const taken = s.waiting.splice(0, nearestBy(s.waiting, at, s.current));
    if (taken.length > 0) s.current = taken[taken.length - 1] ?? null;
    if (!s.video && !(taken.length > 0 && s.current)) return;
    const video = (s.video ??= this.open(s, frame, s.current!));
    const picture = s.current;
    if (!picture) video.write(black(video.width, video.height));
    else if (picture.width === video.width && picture.height === video.height) video.write(picture.data);
    else video.write(resizeI420(picture.data, picture.width, picture.height, video.width, video.height));
  }

  private open(s: Source, frame: number, first: Picture): SegmentedVideo {
    this.o.onStart({ n: s.n, id: s.id, label: s.label, frame });
    const dir = this.o.dir(s.n);
    mkdirSync(dir, { recursive: true });
    return new SegmentedVideo({
      dir,
      ...recordingSize(s.size ?? first),
      firstSegment: 0,
      alignedTo: frame,
      onFailure: this.o.onFailure,
      onSegment: (path) => this.o.onSegment(s.n, path),
    });
  }

  /** Whether any source's encoder has `frames` raw frames or more waiting for it. */
  behind(frames: number): boolean {
    return [...this.sources.values()].some((s) => s.video && s.video.backlog >= frames * s.video.frameBytes);
  }

  /** Writes every frame still waiting for its picture, with what came, and closes the files. */
  async close(): Promise<void> {
    for (const s of this.sources.values()) this.drain(s, true);
    await Promise.all([...this.sources.values()].map((s) => s.video?.close()));
  }

  kill(): void {
    for (const s of this.sources.values()) s.video?.kill();
  }
}

/**
 * How many of `waiting` (oldest first; `null` where the source went away) are of moment `at` or
 * before, give or take half a frame: they are taken, and the last of them is shown.
 */
export function arrivedBy(waiting: readonly (TimedPicture | null)[], at: number): number {
  let n = 0;
  while (n < waiting.length && (waiting[n] === null || waiting[n]!.at <= at + HALF_FRAME_MS)) n++;
  return n;
}

/**
 * As arrivedBy, and one more when the picture of moment `at` never came (lost on a busy machine):
 * the next one, when it is of the next frame's moment and nearer `at`, by half a frame at least,
 * than the one shown otherwise (the last taken, or `current`). A lost picture then costs a frame at
 * most, rather than a hold of as many as were lost. A source not showing a picture (not started, or
 * away) starts at its own first picture's moment, as before.
 */
export function nearestBy(waiting: readonly (TimedPicture | null)[], at: number, current: TimedPicture | null): number {
  const n = arrivedBy(waiting, at);
  const next = waiting[n];
  const shown = n > 0 ? waiting[n - 1] : current;
  if (!next || !shown || next.at > at + 3 * HALF_FRAME_MS) return n;
  return next.at - at < at - shown.at - HALF_FRAME_MS ? n + 1 : n;
}

const blacks = new Map<string, Uint8Array>();
/** A black I420 frame (luma 16, chroma neutral), one per size. */
function black(width: number, height: number): Uint8Array {
  const key = `${width}x${height}`;
  let frame = blacks.get(key);
  if (!frame) {
    frame = new Uint8Array((width * height * 3) / 2).fill(128);
    frame.fill(16, 0, width * height);
    blacks.set(key, frame);
  }
  return frame;
}
