/**
 * The recording's sound: every participant's microphone mixed, as 48 kHz mono PCM in step with
 * the video (exactly 1600 samples per video frame), silence when nobody speaks. It is written in
 * slices of two seconds, as the video is in segments: each slice is handed on as it closes (the
 * media store keeps it in the bucket), so a worker whose disk is lost loses at most the slice
 * being written. Raw PCM survives a crash byte for byte; finalising encodes it to AAC.
 */
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FPS, SEGMENT_SECONDS } from './segmented-video.ts';

export const SAMPLE_RATE = 48_000;
export const SAMPLES_PER_FRAME = SAMPLE_RATE / FPS;
const BYTES_PER_SAMPLE = 2;
const FRAME_BYTES = SAMPLES_PER_FRAME * BYTES_PER_SAMPLE;
/** Slots (video frames' worth of sound) a slice holds: as long as a video segment. */
export const SLICE_SLOTS = FPS * SEGMENT_SECONDS;
// Keep at most this much mixed audio waiting; older is dropped (the mixer ran ahead).
const MAX_QUEUED_SAMPLES = SAMPLE_RATE / 2;

const SLICE_NAME = /^slice_(\d{5})\.pcm$/;
const sliceName = (n: number) => `slice_${String(n).padStart(5, '0')}.pcm`;
const sliceNumber = (path: string) => Number(SLICE_NAME.exec(basename(path))![1]);

/** The slices in `dir`, in order, as paths. */
export function soundSlices(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => SLICE_NAME.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * The sound a crash left: how many slots the slices hold from the start without a hole, and when
 * the newest was written; null when there is none.
 */
export function soundOnDisk(dir: string): { slots: number; mtimeMs: number } | null {
  const slices = soundSlices(dir);
  if (slices.length === 0) return null;
  let slots = 0;
  let mtimeMs = 0;
  for (const [i, path] of slices.entries()) {
    if (sliceNumber(path) !== i) break;
    const info = statSync(path);
    slots += Math.floor(info.size / FRAME_BYTES);
    mtimeMs = Math.max(mtimeMs, info.mtimeMs);
  }
  return { slots, mtimeMs };
}

export class AudioTimeline {
  private readonly dir: string;
  private readonly onSlice: (path: string) => void;
  private fd!: number;
  /** Slots written from the recording's start. */
  private slot: number;
  private queue: Int16Array[] = [];
  private queued = 0;
  private sinceSync = 0;

  /**
   * Opens the sound in `dir` at `slots` slots (what the video kept): slices past it go, the one it
   * falls in is cut there, and a slice missing before it (lost with a disk before it was stored)
   * is silence. `onSlice`: a slice is closed, whole (those before `slots` are the caller's to store).
   */
  constructor(dir: string, slots: number, onSlice: (path: string) => void = () => undefined) {
    this.dir = dir;
    this.onSlice = onSlice;
    this.slot = slots;
    mkdirSync(dir, { recursive: true });
    const current = Math.floor(slots / SLICE_SLOTS);
    for (const path of soundSlices(dir)) {
      if (sliceNumber(path) > current) rmSync(path);
    }
    for (let n = 0; n < current; n++) this.fill(n);
    this.open(current, (slots - current * SLICE_SLOTS) * FRAME_BYTES);
  }

  /** Slice `n`, whole: as it was, its missing end silent, or all silence if it is gone. */
  private fill(n: number): void {
    const fd = openSync(join(this.dir, sliceName(n)), 'a+');
    try {
      // A whole slice is left as it is: its time unchanged, the store knows it stored it.
      if (fstatSync(fd).size !== SLICE_SLOTS * FRAME_BYTES) ftruncateSync(fd, SLICE_SLOTS * FRAME_BYTES);
    } finally {
      closeSync(fd);
    }
  }

  private open(n: number, bytes: number): void {
    this.fd = openSync(join(this.dir, sliceName(n)), 'a+');
    ftruncateSync(this.fd, bytes);
  }

  /** Mixed audio as it comes from the mixer. */
  push(samples: Int16Array): void {
    this.queue.push(samples);
    this.queued += samples.length;
    while (this.queued > MAX_QUEUED_SAMPLES && this.queue.length > 1) this.queued -= this.queue.shift()!.length;
  }

  /** Writes one video frame's worth of sound: queued samples, then silence. */
  writeFrame(): void {
    const out = new Int16Array(SAMPLES_PER_FRAME);
    let filled = 0;
    while (filled < out.length && this.queue.length) {
      const head = this.queue[0]!;
      const take = Math.min(head.length, out.length - filled);
      out.set(head.subarray(0, take), filled);
      filled += take;
      if (take === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(take);
      this.queued -= take;
    }
    writeSync(this.fd, new Uint8Array(out.buffer));
    this.slot++;
    if (this.slot % SLICE_SLOTS === 0) {
      const slice = Math.floor(this.slot / SLICE_SLOTS) - 1;
      this.close();
      this.onSlice(join(this.dir, sliceName(slice)));
      this.open(slice + 1, 0);
    } else if (++this.sinceSync >= FPS / 2) this.flush();
  }

  /** Drops queued sound (while paused, nothing is recorded). */
  discardQueued(): void {
    this.queue = [];
    this.queued = 0;
  }

  flush(): void {
    fdatasyncSync(this.fd);
    this.sinceSync = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
