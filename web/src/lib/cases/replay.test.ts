import { describe, expect, it } from 'vitest';
import type { AnnotationOp } from '@loupe/protocol';
import type { TrackEvent } from '@loupe/protocol';
import { OverlayReplay } from './replay.ts';

const style = { color: '#00e5ff', width: 'medium' } as const;
const op = (id: string, extra: Partial<AnnotationOp>, seq = 0) => ({ v: 1, id, author: 'm', seq, t: seq, frame: null, ...extra }) as AnnotationOp;

const events: TrackEvent[] = [
  { mediaMs: 1000, type: 'op', op: op('a', { kind: 'shape', shape: 'arrow', from: [0.1, 0.1], to: [0.2, 0.2], style, fade: false }, 1) },
  { mediaMs: 2000, type: 'op', op: op('b', { kind: 'text', at: [0.5, 0.5], text: 'tear', style, fade: true }, 2) },
  { mediaMs: 3000, type: 'op', op: op('e', { kind: 'erase', target: { author: 'm', id: 'a' } }, 3) },
  { mediaMs: 3500, type: 'pause' },
  { mediaMs: 4000, type: 'op', op: op('c', { kind: 'clear' }, 4) },
];

const ids = (r: OverlayReplay) => r.visible().map((a) => a.id);

describe('replaying a case’s overlay', () => {
  it('shows exactly the ops logged by each moment, forwards and after seeking back', () => {
    const r = new OverlayReplay(events);
    r.seek(500);
    expect(ids(r)).toEqual([]);
    r.seek(1000);
    expect(ids(r)).toEqual(['a']);
    r.seek(2500);
    expect(ids(r)).toEqual(['a', 'b']);
    r.seek(3200);
    expect(ids(r)).toEqual(['b']);
    // Back to before the erase: the arrow is there again.
    r.seek(1500);
    expect(ids(r)).toEqual(['a']);
    r.seek(4100);
    expect(ids(r)).toEqual([]);
  });

  it('fades a fade-mode annotation five seconds after it was finished, as it did live', () => {
    const r = new OverlayReplay(events.slice(0, 2));
    r.seek(6500);
    expect(ids(r)).toEqual(['a', 'b']);
    expect(r.opacity(r.visible()[1]!)).toBeCloseTo(0.5, 5);
    r.seek(7001);
    expect(ids(r)).toEqual(['a']);
  });
});
