/**
 * The recording's sound: every participant's microphone mixed, as 48 kHz mono PCM appended to
 * a file in step with the video (exactly 1600 samples per video frame), silence when nobody
 * speaks. Raw PCM survives a crash byte for byte; finalising encodes it to AAC.
 */
import { closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { FPS } from './segmented-video.ts';

export const SAMPLE_RATE = 48_000;
export const SAMPLES_PER_FRAME = SAMPLE_RATE / FPS;
const BYTES_PER_SAMPLE = 2;
// Keep at most this much mixed audio waiting; older is dropped (the mixer ran ahead).
const MAX_QUEUED_SAMPLES = SAMPLE_RATE / 2;

export class AudioTimeline {
  private readonly fd: number;
  private queue: Int16Array[] = [];
  private queued = 0;
  private sinceSync = 0;

  /** Opens the PCM file, cut to `frames` video frames' worth (what the video kept). */
  constructor(path: string, frames: number) {
    this.fd = openSync(path, 'a+');
    ftruncateSync(this.fd, frames * SAMPLES_PER_FRAME * BYTES_PER_SAMPLE);
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
    if (++this.sinceSync >= FPS / 2) this.flush();
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
