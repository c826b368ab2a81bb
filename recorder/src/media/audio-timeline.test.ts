import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AudioTimeline, SAMPLES_PER_FRAME, SLICE_SLOTS, soundOnDisk, soundSlices } from './audio-timeline.ts';

const SLOT_BYTES = SAMPLES_PER_FRAME * 2;
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'loupe-sound-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** `slots` slots of a steady sample value `level`. */
function write(sound: AudioTimeline, slots: number, level: number): void {
  for (let i = 0; i < slots; i++) {
    sound.push(new Int16Array(SAMPLES_PER_FRAME).fill(level));
    sound.writeFrame();
  }
}

describe('the sound in slices', () => {
  it('hands each slice on as it closes, whole, the one being written not yet', () => {
    const closed: string[] = [];
    const sound = new AudioTimeline(dir, 0, (path) => closed.push(basename(path)));
    write(sound, 2 * SLICE_SLOTS + 5, 100);
    sound.close();
    expect(closed).toEqual(['slice_00000.pcm', 'slice_00001.pcm']);
    expect(soundSlices(dir).map((p) => statSync(p).size)).toEqual([SLICE_SLOTS * SLOT_BYTES, SLICE_SLOTS * SLOT_BYTES, 5 * SLOT_BYTES]);
    expect(soundOnDisk(dir)?.slots).toBe(2 * SLICE_SLOTS + 5);
  });

  it('opened again at what the video kept: the sound past it goes, a slice lost before it is silence', () => {
    const first = new AudioTimeline(dir, 0);
    write(first, 3 * SLICE_SLOTS + 10, 100);
    first.close();
    // The disk lost slice 1 (the bucket never had it); the video kept one slot more than 1.5 slices.
    unlinkSync(join(dir, 'slice_00001.pcm'));
    expect(soundOnDisk(dir)?.slots).toBe(SLICE_SLOTS);

    const kept = Math.round(1.5 * SLICE_SLOTS) + 1;
    const second = new AudioTimeline(dir, kept);
    write(second, 2, 7);
    second.close();
    expect(soundSlices(dir).map((p) => basename(p))).toEqual(['slice_00000.pcm', 'slice_00001.pcm']);
    const samples = (name: string) => new Int16Array(readFileSync(join(dir, name)).buffer.slice(0));
    expect(new Set(samples('slice_00000.pcm'))).toEqual(new Set([100]));
    const resumed = samples('slice_00001.pcm');
    const at = (kept - SLICE_SLOTS) * SAMPLES_PER_FRAME;
    expect(resumed.length).toBe(at + 2 * SAMPLES_PER_FRAME);
    // Silence where the lost slice was, up to where the video resumes; the new sound after it.
    expect(resumed.subarray(0, at).every((s) => s === 0)).toBe(true);
    expect(resumed.subarray(at).every((s) => s === 7)).toBe(true);
  });
});
