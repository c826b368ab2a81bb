import { afterEach, describe, expect, it, vi } from 'vitest';
import { PictureQueue, type Picture } from './picture-queue.ts';

const picture = (n: number): Picture => ({ data: new Uint8Array([n]), width: 2, height: 2 });
const number = (p: Picture) => p.data[0];

afterEach(() => vi.useRealTimers());

describe('PictureQueue', () => {
  it('gives each frame the next picture in order, and the last one again when none is waiting', () => {
    const q = new PictureQueue();
    [1, 2].forEach((n) => q.push(picture(n)));
    expect([0, 1, 2].map((f) => number(q.take(f, false)))).toEqual([1, 2, 2]);
    expect(q.shed).toBe(0);
  });

  it('keeps the newest second of pictures when the writer is far behind, and counts the rest', () => {
    const q = new PictureQueue();
    for (let n = 1; n <= 40; n++) q.push(picture(n));
    expect(q.length).toBe(30);
    expect(number(q.take(0, false))).toBe(11);
    expect(q.shed).toBe(10);
  });

  it('lets a picture go for theatre’s clock only when the queue has stayed long for a second', () => {
    vi.useFakeTimers();
    const q = new PictureQueue();
    for (let n = 1; n <= 20; n++) q.push(picture(n));
    // A burst: long for a moment, nothing is shed.
    expect(number(q.take(0, true))).toBe(1);
    vi.advanceTimersByTime(500);
    q.push(picture(21));
    expect(number(q.take(1, true))).toBe(2);
    expect(q.shedForClock).toBe(0);
    // Still long a second on: theatre's clock runs ahead, one picture goes.
    vi.advanceTimersByTime(600);
    q.push(picture(22));
    expect(number(q.take(2, true))).toBe(4);
    expect([q.shed, q.shedForClock]).toEqual([1, 1]);
  });

  it('says where the newest picture sits on the media timeline', () => {
    const q = new PictureQueue();
    expect(q.newestFrame(10)).toBe(10);
    [1, 2, 3].forEach((n) => q.push(picture(n)));
    expect(q.newestFrame(10)).toBe(12);
    q.take(10, false);
    q.take(11, false);
    q.take(12, false);
    expect(q.newestFrame(13)).toBe(12);
  });

  it('at a stop, knows the newest picture’s moment and lets those after the stop go', () => {
    const q = new PictureQueue();
    expect(q.newestAt).toBeUndefined();
    [0, 33, 67, 100].forEach((at, n) => q.push({ ...picture(n + 1), at }));
    expect(q.newestAt).toBe(100);
    q.dropAfter(67);
    expect([0, 1, 2, 3].map((f) => number(q.take(f, false)))).toEqual([1, 2, 3, 3]);
    expect(q.newestAt).toBe(67);
    expect(q.shed).toBe(0);
  });
});
