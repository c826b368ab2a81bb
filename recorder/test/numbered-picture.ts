/**
 * A theatre picture whose every frame carries its number in pixels, published from rtc-node on
 * a camera's clock, and read back from what a subscriber sees or from a recorded file: how the
 * recorder test and the recorder bench follow frames end to end. Shared by both.
 */
import { spawn } from 'node:child_process';
import { LocalVideoTrack, TrackPublishOptions, TrackSource, VideoBufferType, VideoFrame, VideoSource, type Room } from '@livekit/rtc-node';

const BITS = 14;
const BLOCK = 40;
/** Rows at the top of the picture that hold the number. */
const NUMBER_ROWS = 8 + BLOCK;
// How far the moving picture pans, in pixels, and how many frames one circle takes.
const PAN = 48;
const PAN_FRAMES = 90;
// The most frames a late publisher sends at once to catch up with its clock.
const MAX_BURST = 3;

export class NumberedPicture {
  readonly width: number;
  readonly height: number;
  /** A luma texture larger than the picture, panned under it; null for flat grey. */
  private readonly texture: Uint8Array | null;

  /**
   * `moving`: textured picture panning like a handheld camera, so encoders do real work (a flat
   * grey frame costs an H.264 encoder next to nothing). Otherwise flat grey.
   */
  constructor(width: number, height: number, o: { moving?: boolean } = {}) {
    this.width = width;
    this.height = height;
    this.texture = o.moving ? smoothNoise(width + 2 * PAN, height + 2 * PAN) : null;
  }

  /** Frame `n` as I420: the picture, with the top row of blocks spelling `n` in binary (white = 1). */
  frame(n: number): Uint8Array {
    const { width: w, height: h } = this;
    const data = new Uint8Array((w * h * 3) / 2);
    if (this.texture) {
      const tw = w + 2 * PAN;
      const angle = (2 * Math.PI * n) / PAN_FRAMES;
      const ox = Math.round(PAN + PAN * Math.cos(angle));
      const oy = Math.round(PAN + PAN * Math.sin(angle));
      for (let y = 0; y < h; y++) data.set(this.texture.subarray((y + oy) * tw + ox, (y + oy) * tw + ox + w), y * w);
      // Reddish, like tissue.
      data.fill(112, w * h, w * h + (w * h) / 4);
      data.fill(168, w * h + (w * h) / 4);
    } else {
      data.fill(90, 0, w * h);
      data.fill(128, w * h);
    }
    for (let bit = 0; bit < BITS; bit++) {
      const value = (n >> bit) & 1 ? 235 : 16;
      for (let y = 8; y < NUMBER_ROWS; y++) data.fill(value, y * w + bit * (BLOCK + 4) + 8, y * w + bit * (BLOCK + 4) + 8 + BLOCK);
    }
    return data;
  }
}

/**
 * Value noise: random values on grids of three sizes, smoothly interpolated and summed, so the
 * picture has blobs and fine detail like tissue. Seeded: the same picture on every run.
 */
function smoothNoise(w: number, h: number): Uint8Array {
  const sum = new Float32Array(w * h).fill(120);
  let seed = 7;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 - 0.5;
  };
  const ease = (f: number) => f * f * (3 - 2 * f);
  for (const [cell, amplitude] of [
    [64, 120],
    [16, 50],
    [4, 20],
  ] as const) {
    const gw = Math.ceil(w / cell) + 2;
    const grid = Float32Array.from({ length: gw * (Math.ceil(h / cell) + 2) }, random);
    for (let y = 0; y < h; y++) {
      const y0 = Math.floor(y / cell);
      const fy = ease(y / cell - y0);
      for (let x = 0; x < w; x++) {
        const x0 = Math.floor(x / cell);
        const fx = ease(x / cell - x0);
        const i = y0 * gw + x0;
        const top = grid[i]! + (grid[i + 1]! - grid[i]!) * fx;
        const bottom = grid[i + gw]! + (grid[i + gw + 1]! - grid[i + gw]!) * fx;
        sum[y * w + x] = sum[y * w + x]! + amplitude * (top + (bottom - top) * fy);
      }
    }
  }
  return new Uint8Array(Uint8ClampedArray.from(sum).buffer);
}

/** Reads the number back from a luma plane (width `w`), sampling each block's centre. */
export function readNumber(luma: Uint8Array, w: number): number {
  let n = 0;
  for (let bit = 0; bit < BITS; bit++) {
    const x = bit * (BLOCK + 4) + 8 + BLOCK / 2;
    if (luma[(8 + BLOCK / 2) * w + x]! > 128) n |= 1 << bit;
  }
  return n;
}

/** The number of every frame of a video file (`width` wide), in order. */
export async function frameNumbers(video: string, width: number): Promise<number[]> {
  // Only the rows that hold the number are decoded out of ffmpeg.
  // prettier-ignore
  const ffmpeg = spawn('ffmpeg', [
    '-v', 'error', '-nostdin', '-i', video, '-map', '0:v:0', '-vf', `crop=${width}:${NUMBER_ROWS}:0:0`,
    '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', '-',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  ffmpeg.stderr.on('data', (d: Buffer) => (errors += d.toString()));
  const size = width * NUMBER_ROWS;
  const numbers: number[] = [];
  let rest = Buffer.alloc(0);
  for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) {
    rest = Buffer.concat([rest, chunk]);
    for (; rest.length >= size; rest = rest.subarray(size)) numbers.push(readNumber(rest.subarray(0, size), width));
  }
  const code = await new Promise<number | null>((resolve) => (ffmpeg.exitCode !== null ? resolve(ffmpeg.exitCode) : ffmpeg.once('exit', resolve)));
  if (code !== 0) throw new Error(`ffmpeg could not decode ${video}: ${errors.trim()}`);
  return numbers;
}

export type NumberedPublisher = {
  /** Frames handed to the encoder so far (numbers 0 … sent − 1). */
  readonly sent: number;
  stop(): Promise<void>;
};

/**
 * Publishes `picture` from `room` as theatre's camera at `fps`, paced like a camera: frame n is
 * captured at start + n / fps, stamped with that time, late ones at once (a busy event loop
 * delays frames, it does not lose them). Further behind than MAX_BURST frames (the machine is
 * out of CPU), the camera's clock slows instead: bursts would only starve the event loop more.
 */
export async function publishNumberedPicture(
  room: Room,
  picture: NumberedPicture,
  o: { fps?: number; publish?: ConstructorParameters<typeof TrackPublishOptions>[0] } = {},
): Promise<NumberedPublisher> {
  const fps = o.fps ?? 30;
  const source = new VideoSource(picture.width, picture.height);
  const track = LocalVideoTrack.createVideoTrack('surgical picture', source);
  await room.localParticipant!.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA, ...o.publish }));
  let start = performance.now();
  let sent = 0;
  let timer: ReturnType<typeof setTimeout>;
  const capture = () => {
    let due = Math.floor(((performance.now() - start) * fps) / 1000) + 1;
    if (due - sent > MAX_BURST) {
      start += ((due - sent - MAX_BURST) * 1000) / fps;
      due = sent + MAX_BURST;
    }
    for (; sent < due; sent++) {
      const at = BigInt(Math.round((performance.timeOrigin + start + (sent * 1000) / fps) * 1000));
      source.captureFrame(new VideoFrame(picture.frame(sent), picture.width, picture.height, VideoBufferType.I420), at);
    }
    timer = setTimeout(capture, Math.max(0, start + (sent * 1000) / fps - performance.now()));
  };
  capture();
  return {
    get sent() {
      return sent;
    },
    async stop() {
      clearTimeout(timer);
      await track.close();
    },
  };
}

/**
 * Several of theatre's pictures captured together (issue 16): each source is its own track
 * (named as theatre names it, sourceTrackName), and every source still published sends frame n
 * at the same moment, with the same number, from one camera clock. Sources come and go while the
 * clock runs on: one added late starts at the number of the moment it joins.
 */
export class NumberedSources implements NumberedPublisher {
  private readonly tracks = new Map<string, LocalVideoTrack>();
  private readonly sources = new Map<string, VideoSource>();
  private readonly start = performance.now();
  private count = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly room: Room;
  private readonly picture: NumberedPicture;
  private readonly fps: number;

  constructor(room: Room, picture: NumberedPicture, fps = 30) {
    this.room = room;
    this.picture = picture;
    this.fps = fps;
    this.capture();
  }

  /** Frames captured so far (numbers 0 … sent − 1), whichever sources were published. */
  get sent(): number {
    return this.count;
  }

  /** Publishes a source under track name `name`. */
  async add(name: string): Promise<void> {
    const source = new VideoSource(this.picture.width, this.picture.height);
    const track = LocalVideoTrack.createVideoTrack(name, source);
    await this.room.localParticipant!.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA }));
    this.sources.set(name, source);
    this.tracks.set(name, track);
  }

  /** Takes source `name` out of the room, as theatre removing a picture does. */
  async remove(name: string): Promise<void> {
    const track = this.tracks.get(name);
    if (!track) throw new Error(`no source ${name}`);
    this.sources.delete(name);
    this.tracks.delete(name);
    await this.room.localParticipant!.unpublishTrack(track.sid!);
    await track.close();
  }

  /** Every frame due on the clock, each to every source (a late event loop sends them at once). */
  private capture(): void {
    const due = Math.floor(((performance.now() - this.start) * this.fps) / 1000) + 1;
    // Far behind (the machine is out of CPU), frames are not sent in a burst: the numbers skip.
    this.count = Math.max(this.count, due - MAX_BURST);
    for (; this.count < due; this.count++) {
      const at = BigInt(Math.round((performance.timeOrigin + this.start + (this.count * 1000) / this.fps) * 1000));
      const data = this.picture.frame(this.count);
      for (const source of this.sources.values()) source.captureFrame(new VideoFrame(data, this.picture.width, this.picture.height, VideoBufferType.I420), at);
    }
    this.timer = setTimeout(() => this.capture(), Math.max(0, this.start + (this.count * 1000) / this.fps - performance.now()));
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    for (const name of [...this.tracks.keys()]) await this.remove(name).catch(() => undefined);
  }
}
