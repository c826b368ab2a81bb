import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { countFrames } from './probe.ts';
import { SegmentedVideo, resizeI420 } from './segmented-video.ts';

/** An I420 frame whose every sample says where it is: plane, row and column. */
function labelled(w: number, h: number): Uint8Array {
  const frame = new Uint8Array((w * h * 3) / 2);
  const plane = (offset: number, pw: number, ph: number, base: number) => {
    for (let y = 0; y < ph; y++) for (let x = 0; x < pw; x++) frame[offset + y * pw + x] = base + y * 10 + x;
  };
  plane(0, w, h, 0);
  plane(w * h, w / 2, h / 2, 100);
  plane(w * h + (w * h) / 4, w / 2, h / 2, 200);
  return frame;
}

describe('resizeI420', () => {
  it('scales a lower layer up: each sample becomes a block, in every plane', () => {
    const out = resizeI420(labelled(4, 4), 4, 4, 8, 8);
    const luma = Array.from({ length: 8 }, (_, y) => Array.from(out.subarray(y * 8, y * 8 + 8)));
    expect(luma[0]).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(luma[1]).toEqual(luma[0]);
    expect(luma[7]).toEqual([30, 30, 31, 31, 32, 32, 33, 33]);
    expect(Array.from(out.subarray(64, 64 + 16))).toEqual([100, 100, 101, 101, 100, 100, 101, 101, 110, 110, 111, 111, 110, 110, 111, 111]);
    expect(Array.from(out.subarray(80, 96))).toEqual([200, 200, 201, 201, 200, 200, 201, 201, 210, 210, 211, 211, 210, 210, 211, 211]);
  });

  it('scales down and by uneven ratios, taking the nearest sample above and to the left', () => {
    const down = resizeI420(labelled(8, 4), 8, 4, 4, 2);
    expect(Array.from(down.subarray(0, 8))).toEqual([0, 2, 4, 6, 20, 22, 24, 26]);
    const uneven = resizeI420(labelled(4, 2), 4, 2, 6, 4);
    expect(Array.from(uneven.subarray(0, 24))).toEqual([0, 0, 1, 2, 2, 3, 0, 0, 1, 2, 2, 3, 10, 10, 11, 12, 12, 13, 10, 10, 11, 12, 12, 13]);
  });
});

describe('segments of a file written beside the main picture', () => {
  /** Writes `frames` grey frames with `alignedTo`; the frames in each segment made. */
  async function segmentFrames(frames: number, alignedTo?: number): Promise<number[]> {
    const dir = await mkdtemp(join(tmpdir(), 'loupe-segments-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const video = new SegmentedVideo({ dir, width: 64, height: 64, firstSegment: 0, alignedTo });
    for (let n = 0; n < frames; n++) video.write(new Uint8Array(64 * 96).fill(n % 256));
    await video.close();
    const files = (await readdir(dir)).sort();
    return Promise.all(files.map((f) => countFrames(join(dir, f))));
  }

  it('end where the main picture’s do when the file starts mid-segment (frame 45 of the main picture’s 60)', async () => {
    // Main-picture frames 45…184: its segments end after its frames 59, 119 and 179.
    expect(await segmentFrames(140, 45)).toEqual([15, 60, 60, 5]);
    // A first segment of one frame.
    expect(await segmentFrames(70, 59)).toEqual([1, 60, 9]);
  });

  it('are whole two seconds from the start otherwise', async () => {
    expect(await segmentFrames(70, 120)).toEqual([60, 10]);
  });
});
