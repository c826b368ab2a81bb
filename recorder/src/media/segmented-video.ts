/**
 * H.264 in fragmented-MP4 segments of two seconds, written by ffmpeg from raw I420 frames.
 * A crash loses at most the segment being written; every finished segment plays on its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const FPS = 30;
export const SEGMENT_SECONDS = 2;

/** ffmpeg stopped before it was asked to; `message` is said to people, `detail` is its own words. */
export class EncoderStopped extends Error {
  readonly detail: string;
  constructor(message: string, detail: string) {
    super(message);
    this.detail = detail;
  }
}

const SEGMENT_FRAMES = FPS * SEGMENT_SECONDS;

/**
 * For a file whose first frame goes with frame `first` of another writer's: its segments end
 * where that writer's do. A keyframe where that writer's next segment starts (every later one,
 * a segment on, falls on one of its boundaries too), and the segment muxer cuts that much earlier
 * than at whole two seconds into the file (half a frame more, so that rounding never misses one).
 * The case's skips are placed segment by segment (finalise.ts): with the same boundaries, a skip
 * moves this file's frames exactly as it moves the main picture's. With boundaries of its own, a
 * source was a frame or two off the main picture between a skip and the next boundary.
 */
function alignedSegments(first: number): string[] {
  const into = first % SEGMENT_FRAMES;
  if (into === 0) return [];
  return ['-force_key_frames', `expr:eq(n,${SEGMENT_FRAMES - into})`, '-segment_time_delta', ((into + 0.5) / FPS).toFixed(6)];
}

export class SegmentedVideo {
  readonly width: number;
  readonly height: number;
  private readonly ffmpeg: ChildProcess;
  private readonly exited: Promise<number | null>;
  private errors = '';
  private ending = false;
  framesWritten = 0;

  /**
   * `onFailure`: ffmpeg stopped before it was asked to (it could not write a segment: the disk is full).
   * `onSegment`: a segment is closed, whole (its path): the media store takes it from there.
   * `alignedTo`: the frame of another writer's (the main picture's) this file's first frame goes
   * with, frame for frame: its segments then end where that writer's do (alignedSegments).
   */
  constructor(o: {
    dir: string;
    width: number;
    height: number;
    firstSegment: number;
    alignedTo?: number;
    onFailure?: (err: Error) => void;
    onSegment?: (path: string) => void;
  }) {
    this.width = o.width;
    this.height = o.height;
    // superfast rather than veryfast: on a panning 720p30 tissue-like picture, 0.17 instead of
    // 0.29 core-seconds a second at the same size and SSIM (0.9932 vs 0.9933); ultrafast is
    // cheaper still (0.09) but visibly blockier (SSIM 0.9907). The recorder shares its machine.
    // One thread: x264's sliced threads cost 6 % more CPU (1.54 against 1.64 core-seconds for 10 s
    // of a panning 720p30 picture, the same SSIM, 0.9946), and one core encodes several streams.
    // prettier-ignore
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${o.width}x${o.height}`, '-framerate', String(FPS), '-i', 'pipe:0',
      '-c:v', 'libx264', '-preset', 'superfast', '-tune', 'zerolatency', '-crf', '20', '-threads', '1', '-pix_fmt', 'yuv420p',
      // A keyframe exactly at every segment boundary, so that each segment starts cleanly.
      '-g', String(SEGMENT_FRAMES), '-keyint_min', String(SEGMENT_FRAMES), '-sc_threshold', '0',
      ...alignedSegments(o.alignedTo ?? 0),
      '-f', 'segment', '-segment_time', String(SEGMENT_SECONDS), '-segment_format', 'mp4',
      '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof',
      '-reset_timestamps', '1', '-segment_start_number', String(o.firstSegment),
      // Each segment's name on stdout as ffmpeg closes it, not before: the moment it is whole.
      '-segment_list', 'pipe:1', '-segment_list_type', 'flat',
      join(o.dir, 'seg_%05d.mp4'),
    ];
    this.ffmpeg = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.ffmpeg.stdout! }).on('line', (name) => {
      if (/^seg_\d+\.mp4$/.test(name)) o.onSegment?.(join(o.dir, name));
    });
    this.ffmpeg.stderr?.on('data', (d: Buffer) => (this.errors = (this.errors + d.toString()).slice(-4000)));
    this.ffmpeg.stdin?.on('error', () => undefined);
    this.exited = once(this.ffmpeg, 'exit').then(([code, signal]) => {
      if (!this.ending) {
        const how = signal ? `was stopped by ${String(signal)}` : `exited with ${String(code)}`;
        o.onFailure?.(new EncoderStopped(`the video encoder (ffmpeg) ${how}`, this.errors.trim()));
      }
      return code as number | null;
    });
  }

  /** One I420 frame of exactly this writer's size. */
  write(i420: Uint8Array): void {
    this.ffmpeg.stdin?.write(i420);
    this.framesWritten++;
  }

  /** Bytes in one raw I420 frame of this writer's size. */
  get frameBytes(): number {
    return (this.width * this.height * 3) / 2;
  }

  /** Bytes handed to ffmpeg and not yet taken: the recorder's measure of falling behind. */
  get backlog(): number {
    return this.ffmpeg.stdin?.writableLength ?? 0;
  }

  /** Ends the input and waits for ffmpeg to finish the last segment. */
  async close(): Promise<void> {
    this.ending = true;
    this.ffmpeg.stdin?.end();
    const code = await this.exited;
    if (code !== 0) throw new Error(`ffmpeg (video) exited with ${code}: ${this.errors.trim()}`);
  }

  kill(): void {
    this.ending = true;
    this.ffmpeg.kill('SIGKILL');
  }
}

/**
 * Nearest-neighbour resize of an I420 frame: the first pictures of a new subscriber come on a
 * lower simulcast layer than the recording's size. Each output row is looked up once per source
 * row and copied for the rows that repeat it (a 360p picture at 720p: half the rows), with the
 * columns' source mapped once a plane: 1–1.5 instead of 4.6–6.5 ms a 720p frame, pixel for pixel
 * the same.
 */
export function resizeI420(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array((dw * dh * 3) / 2);
  const plane = (srcOffset: number, spw: number, sph: number, dstOffset: number, dpw: number, dph: number) => {
    const column = new Uint32Array(dpw);
    for (let x = 0; x < dpw; x++) column[x] = Math.min(spw - 1, Math.floor((x * spw) / dpw));
    let previous = -1;
    for (let y = 0; y < dph; y++) {
      const sy = Math.min(sph - 1, Math.floor((y * sph) / dph));
      const row = dstOffset + y * dpw;
      if (sy === previous) {
        out.copyWithin(row, row - dpw, row);
        continue;
      }
      const from = srcOffset + sy * spw;
      for (let x = 0; x < dpw; x++) out[row + x] = src[from + column[x]!]!;
      previous = sy;
    }
  };
  plane(0, sw, sh, 0, dw, dh);
  plane(sw * sh, sw / 2, sh / 2, dw * dh, dw / 2, dh / 2);
  plane(sw * sh + (sw * sh) / 4, sw / 2, sh / 2, dw * dh + (dw * dh) / 4, dw / 2, dh / 2);
  return out;
}
