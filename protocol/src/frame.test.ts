import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { contentRect, toNormalised, toPixels } from './frame.ts';

describe('normalisation to the video frame', () => {
  it('letterboxes a 16:9 picture in a portrait phone and pillarboxes it in a 4:3 box', () => {
    expect(contentRect({ width: 390, height: 844 }, { width: 1280, height: 720 })).toEqual({
      x: 0,
      y: (844 - 219.375) / 2,
      width: 390,
      height: 219.375,
    });
    const box = contentRect({ width: 1024, height: 768 }, { width: 1920, height: 1080 });
    expect(box.width).toBe(1024);
    expect(box.height).toBe(576);
    expect(box.y).toBe(96);
  });

  it('a point lands on the same spot of the picture whatever the screen (round trip within 0.1 px)', () => {
    fc.assert(
      fc.property(
        fc.record({ width: fc.integer({ min: 160, max: 3840 }), height: fc.integer({ min: 120, max: 2160 }) }),
        fc.record({ width: fc.integer({ min: 200, max: 4000 }), height: fc.integer({ min: 200, max: 4000 }) }),
        fc.record({ width: fc.integer({ min: 200, max: 4000 }), height: fc.integer({ min: 200, max: 4000 }) }),
        fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
        (frame, mentorBox, theatreBox, [u, v]) => {
          // The mentor points at (u, v) of the picture on their screen…
          const mentorRect = contentRect(mentorBox, frame);
          const [mx, my] = toPixels([u, v], mentorRect);
          const sent = toNormalised(mx, my, mentorRect);
          // …and theatre, with another size and letterboxing, draws it here.
          const theatreRect = contentRect(theatreBox, frame);
          const [tx, ty] = toPixels(sent, theatreRect);
          const back = toNormalised(tx, ty, theatreRect);
          expect(Math.abs(back[0] - u)).toBeLessThanOrEqual(1e-4);
          expect(Math.abs(back[1] - v)).toBeLessThanOrEqual(1e-4);
          // The drawn point is inside the picture, never in the black bars.
          expect(tx).toBeGreaterThanOrEqual(theatreRect.x - 1e-9);
          expect(tx).toBeLessThanOrEqual(theatreRect.x + theatreRect.width + 1e-9);
          expect(ty).toBeGreaterThanOrEqual(theatreRect.y - 1e-9);
          expect(ty).toBeLessThanOrEqual(theatreRect.y + theatreRect.height + 1e-9);
        },
      ),
    );
  });

  it('a pointer in the black bars is clamped to the picture’s edge', () => {
    const rect = contentRect({ width: 390, height: 844 }, { width: 1280, height: 720 });
    expect(toNormalised(100, 10, rect)).toEqual([0.2564, 0]);
    expect(toNormalised(-50, 900, rect)).toEqual([0, 1]);
  });
});
