import { describe, expect, it } from 'vitest';
import { followStep } from './follow-clock.ts';

const leader = (time: number, playing = false, rate = 1) => ({ time, playing, rate });

describe('a case’s other pictures following the main one', () => {
  it('paused: jumps exactly to the main picture’s moment, less where the source started', () => {
    expect(followStep(leader(10), { time: 2, duration: 20, startS: 4 })).toEqual({ seekTo: 6, rate: 1, play: false, shown: true });
    // Within half a frame already: left where it is.
    expect(followStep(leader(10), { time: 6.01, duration: 20, startS: 4 }).seekTo).toBeNull();
  });

  it('is not shown before its source came or after it ended, and waits at that edge', () => {
    expect(followStep(leader(3, true), { time: 1, duration: 20, startS: 4 })).toEqual({ seekTo: 0, rate: 1, play: false, shown: false });
    expect(followStep(leader(30, true), { time: 20, duration: 20, startS: 4 })).toMatchObject({ seekTo: null, play: false, shown: false });
  });

  it('playing: nudges a small drift by its rate, at the speed chosen, and jumps over a large one', () => {
    expect(followStep(leader(10, true, 2), { time: 6.1, duration: 20, startS: 4 })).toEqual({ seekTo: null, rate: 1.9, play: true, shown: true });
    expect(followStep(leader(10, true), { time: 5.95, duration: 20, startS: 4 }).rate).toBeCloseTo(1.05);
    expect(followStep(leader(10, true), { time: 6.005, duration: 20, startS: 4 }).rate).toBe(1);
    expect(followStep(leader(10, true), { time: 7, duration: 20, startS: 4 })).toMatchObject({ seekTo: 6, play: true });
  });
});
