import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FADE_MS } from '@loupe/protocol';
import { fakeFrames, mentorPage, RECT } from './test-room.ts';

let page: ReturnType<typeof mentorPage>;
beforeEach(() => {
  // The page's clock (performance.now) and its fade tick (setInterval) run when the test says.
  vi.useFakeTimers({ toFake: ['performance', 'setInterval', 'clearInterval'] });
  fakeFrames();
  page = mentorPage();
});
afterEach(() => {
  page.dispose();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** An arrow across the picture at height `y`, in fade mode or not. */
function arrow(y: number, fade: boolean) {
  page.drawing.tool = 'arrow';
  page.drawing.fade = fade;
  page.drawing.pointer('down', [[0.1, y]], RECT);
  page.drawing.pointer('up', [[0.9, y]], RECT);
  return page.sync.visible().find((a) => a.kind === 'arrow' && a.from[1] === y)!;
}

describe('fade mode', () => {
  it('an annotation drawn to fade is shown whole, dims over its last second, and is gone after FADE_MS; one drawn to stay stays', () => {
    const fading = arrow(0.2, true);
    const staying = arrow(0.8, false);
    expect(page.sync.opacity(fading)).toBe(1);

    vi.advanceTimersByTime(FADE_MS - 1000);
    expect(page.sync.opacity(fading)).toBe(1);
    vi.advanceTimersByTime(500);
    expect(page.sync.opacity(fading)).toBeCloseTo(0.5, 1);
    expect(page.sync.visible()).toHaveLength(2);

    vi.advanceTimersByTime(500);
    expect(page.sync.visible()).toEqual([staying]);
    expect(page.sync.opacity(staying)).toBe(1);
  });

  it('the canvas is told to repaint while an annotation fades, and no longer once it is gone', () => {
    arrow(0.5, true);
    const before = page.sync.version;
    vi.advanceTimersByTime(FADE_MS - 2000);
    expect(page.sync.version).toBe(before);
    vi.advanceTimersByTime(1500);
    const fadingFrom = page.sync.version;
    expect(fadingFrom).toBeGreaterThan(before);
    vi.advanceTimersByTime(1000);
    const gone = page.sync.version;
    vi.advanceTimersByTime(5000);
    expect(page.sync.version).toBe(gone);
  });

  it('the fade counts from when the stroke is finished, not from when the pen touched down', () => {
    page.drawing.tool = 'pen';
    page.drawing.fade = true;
    page.drawing.pointer('down', [[0.1, 0.1]], RECT);
    vi.advanceTimersByTime(FADE_MS);
    page.drawing.pointer('up', [[0.5, 0.5]], RECT);
    expect(page.shown()).toEqual(['stroke']);
    vi.advanceTimersByTime(FADE_MS);
    expect(page.shown()).toEqual([]);
  });
});
