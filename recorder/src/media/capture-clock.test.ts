import { describe, expect, it } from 'vitest';
import { CaptureClock } from './capture-clock.ts';

describe('the capture clock', () => {
  it('counts frames from the first, less the time it was held, whatever held it', () => {
    let now = 1000;
    const clock = new CaptureClock(() => now);
    clock.hold('picture');
    now += 5000;
    // Held before the first frame: none of it counts.
    clock.start();
    expect(clock.release('picture')).toBe(0);
    now += 1000;
    expect(clock.due(0)).toBe(30);
    expect(clock.hold('person')).toBe(true);
    now += 400;
    expect(clock.hold('picture')).toBe(false);
    now += 600;
    expect(clock.due(0)).toBe(30);
    // Still held for the picture after the person resumes.
    expect(clock.release('person')).toBeNull();
    expect(clock.held).toBe(true);
    now += 2000;
    expect(clock.release('picture')).toBe(3000);
    now += 500;
    expect(clock.due(6)).toBe(45 - 6);
  });
});
