import { describe, expect, it } from 'vitest';
import { ANNOTATION_VERSION, OverlayState, type AnnotationOp, type Rect } from '@loupe/protocol';
import { hitTest } from './hit-test.ts';

/** A 1000 × 500 picture letterboxed 100 px down its box. */
const rect: Rect = { x: 0, y: 100, width: 1000, height: 500 };
const style = { color: '#00e5ff', width: 'medium' } as const;

/** The picture with these ops drawn on it, as every page's overlay holds them. */
function picture(...ops: Record<string, unknown>[]) {
  const state = new OverlayState();
  ops.forEach((op, i) => state.apply({ v: ANNOTATION_VERSION, author: 'mentor', seq: i, t: 1000 + i, frame: null, ...op } as AnnotationOp));
  return state.visible();
}
const arrow = (id: string, from: [number, number], to: [number, number]) => ({ kind: 'shape', id, shape: 'arrow', from, to, style, fade: false });
const ellipse = (id: string, from: [number, number], to: [number, number]) => ({ kind: 'shape', id, shape: 'ellipse', from, to, style, fade: false });
/** The eraser touching down at pixel (x, y) of the box: which annotation it rubs out. */
const erasedAt = (annotations: ReturnType<typeof picture>, x: number, y: number) => hitTest(annotations, [x, y], rect)?.id ?? null;

describe('the eraser', () => {
  it('rubs out an arrow when touched on its line, anywhere along it, and nothing when touched well off it', () => {
    const shown = picture(arrow('a', [0.1, 0.5], [0.9, 0.5]));
    expect(erasedAt(shown, 100, 350)).toBe('a');
    expect(erasedAt(shown, 500, 360)).toBe('a');
    expect(erasedAt(shown, 900, 340)).toBe('a');
    expect(erasedAt(shown, 500, 400)).toBeNull();
    // Past the arrow's end is not on it.
    expect(erasedAt(shown, 960, 350)).toBeNull();
  });

  it('measures in pixels of the picture as shown, so the letterbox does not shift where it reaches', () => {
    const shown = picture(arrow('a', [0, 0], [1, 0]));
    expect(erasedAt(shown, 500, 100)).toBe('a');
    expect(erasedAt(shown, 500, 0)).toBeNull();
  });

  it('of two annotations within reach, rubs out the nearer', () => {
    const shown = picture(arrow('upper', [0.1, 0.4], [0.9, 0.4]), arrow('lower', [0.1, 0.44], [0.9, 0.44]));
    // The lines are 20 px apart (y 300 and 320); touching at 316 is nearer the lower.
    expect(erasedAt(shown, 500, 316)).toBe('lower');
    expect(erasedAt(shown, 500, 303)).toBe('upper');
  });

  it('rubs out an ellipse by its outline, not by its empty middle', () => {
    const shown = picture(ellipse('e', [0.2, 0.2], [0.8, 0.8]));
    // Centre (500, 350), radii 300 × 150: the outline's right end is at x 800.
    expect(erasedAt(shown, 795, 350)).toBe('e');
    expect(erasedAt(shown, 500, 200)).toBe('e');
    expect(erasedAt(shown, 500, 350)).toBeNull();
  });

  it('rubs out a stroke by any of its segments, and a single dot by touching it', () => {
    const shown = picture(
      {
        kind: 'stroke.begin',
        id: 's',
        style,
        fade: false,
        points: [
          [0.1, 0.1],
          [0.5, 0.1],
          [0.5, 0.9],
        ],
      },
      { kind: 'stroke.end', id: 's', count: 3 },
      { kind: 'stroke.begin', id: 'dot', style, fade: false, points: [[0.9, 0.9]] },
      { kind: 'stroke.end', id: 'dot', count: 1 },
    );
    expect(erasedAt(shown, 300, 152)).toBe('s');
    expect(erasedAt(shown, 505, 400)).toBe('s');
    expect(erasedAt(shown, 300, 400)).toBeNull();
    expect(erasedAt(shown, 905, 548)).toBe('dot');
  });

  it('rubs out a text label when touched on or near where it was placed', () => {
    const shown = picture({ kind: 'text', id: 't', at: [0.5, 0.5], text: 'Cystic duct', style, fade: false });
    expect(erasedAt(shown, 530, 350)).toBe('t');
    expect(erasedAt(shown, 600, 350)).toBeNull();
  });
});
