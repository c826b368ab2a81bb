import { describe, expect, it } from 'vitest';
import { segmentSeconds, slotOf } from './slot-timeline.ts';

describe('the timeline in slots', () => {
  it('places each frame after the slots skipped before it', () => {
    const skips = [
      { frame: 10, slots: 5 },
      { frame: 70, slots: 30 },
    ];
    expect(slotOf(0, skips)).toBe(0);
    expect(slotOf(9, skips)).toBe(9);
    expect(slotOf(10, skips)).toBe(15);
    expect(slotOf(80, skips)).toBe(115);
  });

  it('gives each segment the time the clock ran while it was written, so the next starts on time', () => {
    // Three 2 s segments; the writer fell 1.5 s behind in the second, and 1 s at the boundary after it.
    const seconds = segmentSeconds(
      [60, 60, 45],
      [
        { frame: 75, slots: 45 },
        { frame: 120, slots: 30 },
      ],
    );
    expect(seconds).toEqual([2, 2 + 1.5 + 1, 1.5]);
    expect(seconds.reduce((a, b) => a + b)).toBe((165 + 75) / 30);
  });

  it('is the frame count alone when nothing was skipped', () => {
    expect(segmentSeconds([60, 12], [])).toEqual([2, 0.4]);
  });
});
