import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ANNOTATION_VERSION, MAX_POINTS_PER_OP, type AnnotationOp, type Point, type Style } from './annotation.ts';
import { MAX_ANNOTATIONS, MAX_ANNOTATIONS_PER_AUTHOR, OverlayState, isOnPicture } from './overlay.ts';

const style: Style = { color: '#00e5ff', width: 'medium' };

/** A scripted mentor session: ops as two mentors would send them, in order. */
function session(actions: Action[]): AnnotationOp[] {
  const ops: AnnotationOp[] = [];
  const seq: Record<string, number> = { A: 0, B: 0 };
  const made: { author: string; id: string }[] = [];
  const clears: { author: string; id: string }[] = [];
  let t = 1_000;
  const h = (author: string, id: string) => ({ v: ANNOTATION_VERSION, id, author, seq: seq[author]!++, t: t++, frame: null });
  actions.forEach((action, n) => {
    const author = action.by;
    const id = `a${n}`;
    switch (action.kind) {
      case 'stroke': {
        const pts = action.points;
        ops.push({ ...h(author, id), kind: 'stroke.begin', style, fade: false, points: pts.slice(0, 3) });
        for (let i = 3; i < pts.length; i += 5) {
          ops.push({ ...h(author, id), kind: 'stroke.points', from: i, points: pts.slice(i, i + 5) });
        }
        ops.push({ ...h(author, id), kind: 'stroke.end', count: pts.length });
        made.push({ author, id });
        break;
      }
      case 'arrow':
        ops.push({ ...h(author, id), kind: 'shape', shape: 'arrow', from: action.points[0]!, to: action.points[1]!, style, fade: false });
        made.push({ author, id });
        break;
      case 'text':
        ops.push({ ...h(author, id), kind: 'text', at: action.points[0]!, text: `note ${n}`, style, fade: false });
        made.push({ author, id });
        break;
      case 'erase':
      case 'restore': {
        const target = made[action.pick % Math.max(made.length, 1)];
        if (target) ops.push({ ...h(author, id), kind: action.kind, target });
        break;
      }
      case 'clear':
        ops.push({ ...h(author, id), kind: 'clear' });
        clears.push({ author, id });
        break;
      // Undo and redo of a clear: an erase or a restore aimed at the clear op itself.
      case 'unclear':
      case 'reclear': {
        const target = clears[action.pick % Math.max(clears.length, 1)];
        if (target) ops.push({ ...h(author, id), kind: action.kind === 'unclear' ? 'erase' : 'restore', target });
        break;
      }
      case 'freeze':
        ops.push({ ...h(author, id), kind: 'freeze', frozen: action.pick % 2 === 0 });
        break;
    }
  });
  return ops;
}

type Action = {
  by: 'A' | 'B';
  kind: 'stroke' | 'arrow' | 'text' | 'erase' | 'restore' | 'clear' | 'unclear' | 'reclear' | 'freeze';
  points: Point[];
  pick: number;
};

const point = fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 })).map(([x, y]) => [x / 10_000, y / 10_000] as Point);
const action: fc.Arbitrary<Action> = fc.record({
  by: fc.constantFrom('A' as const, 'B' as const),
  kind: fc.constantFrom('stroke', 'stroke', 'arrow', 'text', 'erase', 'restore', 'clear', 'unclear', 'reclear', 'freeze') as fc.Arbitrary<Action['kind']>,
  points: fc.array(point, { minLength: 2, maxLength: 40 }),
  pick: fc.nat(),
});

/** What a person sees: the visible annotations and the freeze state. */
function picture(state: OverlayState) {
  return {
    annotations: state.visible().map((a) => ({
      key: a.key,
      kind: a.kind,
      style: a.style,
      geometry: a.kind === 'stroke' ? a.points.filter(Boolean) : a.kind === 'text' ? [a.at, a.text] : [a.from, a.to],
    })),
    frozen: state.freeze?.frozen ?? false,
  };
}

function applyAll(ops: AnnotationOp[]): OverlayState {
  const state = new OverlayState();
  for (const op of ops) state.apply(op);
  return state;
}

describe('overlay state', () => {
  it('draws a stroke as it streams in, then an arrow and a text', () => {
    const state = new OverlayState();
    const h = { v: ANNOTATION_VERSION, author: 'mentor', frame: { media: 12.5, rtp: 90000 } };
    state.apply({ ...h, id: 's1', seq: 0, t: 10, kind: 'stroke.begin', style, fade: false, points: [[0.1, 0.1]] });
    state.apply({
      ...h,
      id: 's1',
      seq: 1,
      t: 11,
      kind: 'stroke.points',
      from: 1,
      points: [
        [0.2, 0.2],
        [0.3, 0.25],
      ],
    });
    expect(picture(state).annotations[0]!.geometry).toEqual([
      [0.1, 0.1],
      [0.2, 0.2],
      [0.3, 0.25],
    ]);
    state.apply({ ...h, id: 'a1', seq: 2, t: 12, kind: 'shape', shape: 'arrow', from: [0.5, 0.5], to: [0.6, 0.4], style, fade: false });
    state.apply({ ...h, id: 't1', seq: 3, t: 13, kind: 'text', at: [0.7, 0.7], text: 'tear at 3 o’clock', style, fade: false });
    expect(state.visible().map((a) => a.kind)).toEqual(['stroke', 'arrow', 'text']);
    expect(state.visible()[0]!.frame).toEqual({ media: 12.5, rtp: 90000 });
  });

  it('applying ops twice, in any order, or after a replay gives the same picture (property)', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 30 }), fc.nat(), (actions, seed) => {
        const ops = session(actions);
        const expected = picture(applyAll(ops));
        // Duplicates and a shuffle: LiveKit keeps order per sender only, and replays happen.
        const noisy = fc.sample(fc.shuffledSubarray([...ops, ...ops], { minLength: ops.length * 2 }), { seed, numRuns: 1 })[0]!;
        expect(picture(applyAll(noisy))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a snapshot rebuilds the same picture for a late joiner, and merging it again changes nothing (property)', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 30 }), (actions) => {
        const holder = applyAll(session(actions));
        const joiner = new OverlayState();
        joiner.merge(holder.snapshot());
        expect(picture(joiner)).toEqual(picture(holder));
        const version = joiner.version;
        joiner.merge(holder.snapshot());
        expect(joiner.version).toBe(version);
      }),
      { numRuns: 300 },
    );
  });

  it('a late joiner kept in step by the ops that follow its snapshot sees what everyone sees, undone clears included (property)', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 2, maxLength: 30 }), fc.nat(), (actions, cut) => {
        const ops = session(actions);
        const at = cut % ops.length;
        const joiner = new OverlayState();
        joiner.merge(applyAll(ops.slice(0, at)).snapshot());
        for (const op of ops.slice(at)) joiner.apply(op);
        expect(picture(joiner)).toEqual(picture(applyAll(ops)));
      }),
      { numRuns: 300 },
    );
  });

  it('splits long strokes in the snapshot into ops of at most MAX_POINTS_PER_OP points', () => {
    const pts: Point[] = Array.from({ length: 1000 }, (_, i) => [i / 1000, 0.5]);
    const ops = session([{ by: 'A', kind: 'stroke', points: pts, pick: 0 }]);
    const snapshot = applyAll(ops).snapshot();
    for (const op of snapshot.ops) if ('points' in op) expect(op.points.length).toBeLessThanOrEqual(MAX_POINTS_PER_OP);
    const rebuilt = new OverlayState();
    rebuilt.merge(snapshot);
    expect(picture(rebuilt).annotations[0]!.geometry).toHaveLength(1000);
  });

  it('clear hides what was drawn before it, including ops that arrive late, but not what comes after', () => {
    const state = new OverlayState();
    const h = (id: string, t: number) => ({ v: ANNOTATION_VERSION, id, author: 'm', seq: t, t, frame: null });
    state.apply({ ...h('x', 5), kind: 'shape', shape: 'ellipse', from: [0.1, 0.1], to: [0.2, 0.2], style, fade: false });
    state.apply({ ...h('c', 10), kind: 'clear' });
    state.apply({ ...h('late', 7), kind: 'text', at: [0.5, 0.5], text: 'late', style, fade: false });
    state.apply({ ...h('after', 12), kind: 'text', at: [0.5, 0.5], text: 'after', style, fade: false });
    expect(state.visible().map((a) => a.id)).toEqual(['after']);
  });

  it('an erase aimed at a clear takes it back, late ops from before it included; a restore puts it back', () => {
    const state = new OverlayState();
    const h = (id: string, t: number) => ({ v: ANNOTATION_VERSION, id, author: 'm', seq: t, t, frame: null });
    state.apply({ ...h('x', 5), kind: 'shape', shape: 'ellipse', from: [0.1, 0.1], to: [0.2, 0.2], style, fade: false });
    state.apply({ ...h('gone', 6), kind: 'shape', shape: 'arrow', from: [0.1, 0.1], to: [0.2, 0.2], style, fade: false });
    state.apply({ ...h('e1', 7), kind: 'erase', target: { author: 'm', id: 'gone' } });
    state.apply({ ...h('c', 10), kind: 'clear' });
    state.apply({ ...h('late', 8), kind: 'text', at: [0.5, 0.5], text: 'late', style, fade: false });
    expect(state.visible()).toEqual([]);
    state.apply({ ...h('undo', 11), kind: 'erase', target: { author: 'm', id: 'c' } });
    // What the clear hid comes back; what had been erased before it stays erased.
    expect(state.visible().map((a) => a.id)).toEqual(['x', 'late']);
    expect(state.isClearInForce({ author: 'm', id: 'c' })).toBe(false);
    state.apply({ ...h('redo', 12), kind: 'restore', target: { author: 'm', id: 'c' } });
    expect(state.visible()).toEqual([]);
    expect(state.clearedAt).toBe(10);
  });

  it('a clear taken back leaves an earlier clear in force', () => {
    const state = new OverlayState();
    const h = (id: string, t: number) => ({ v: ANNOTATION_VERSION, id, author: 'm', seq: t, t, frame: null });
    state.apply({ ...h('old', 1), kind: 'text', at: [0.5, 0.5], text: 'old', style, fade: false });
    state.apply({ ...h('c1', 2), kind: 'clear' });
    state.apply({ ...h('mid', 3), kind: 'text', at: [0.5, 0.5], text: 'mid', style, fade: false });
    // The undo arrives before the clear it takes back: order does not matter.
    state.apply({ ...h('undo', 5), kind: 'erase', target: { author: 'm', id: 'c2' } });
    state.apply({ ...h('c2', 4), kind: 'clear' });
    expect(state.visible().map((a) => a.id)).toEqual(['mid']);
    expect(state.clearedAt).toBe(2);
  });

  it('a snapshot without hidden annotations is smaller and shows the same picture', () => {
    const ops = session([
      {
        by: 'A',
        kind: 'arrow',
        points: [
          [0.1, 0.1],
          [0.2, 0.2],
        ],
        pick: 0,
      },
      { by: 'A', kind: 'clear', points: [], pick: 0 },
      { by: 'B', kind: 'text', points: [[0.3, 0.3]], pick: 0 },
    ]);
    const holder = applyAll(ops);
    const small = holder.snapshot(undefined, { withHidden: false });
    expect(small.ops.length).toBeLessThan(holder.snapshot().ops.length);
    const joiner = new OverlayState();
    joiner.merge(small);
    expect(picture(joiner)).toEqual(picture(holder));
  });

  it('one author cannot add points to another author’s stroke', () => {
    const state = new OverlayState();
    state.apply({ v: 1, id: 's', author: 'A', seq: 0, t: 1, frame: null, kind: 'stroke.begin', style, fade: false, points: [[0.1, 0.1]] });
    state.apply({ v: 1, id: 's', author: 'B', seq: 0, t: 2, frame: null, kind: 'stroke.points', from: 1, points: [[0.9, 0.9]] });
    expect(picture(state).annotations).toHaveLength(1);
    expect(picture(state).annotations[0]!.geometry).toEqual([[0.1, 0.1]]);
  });
});

describe('marks drawn on a freeze-frame', () => {
  const h = (id: string, seq: number) => ({ v: ANNOTATION_VERSION, id, author: 'A', seq, t: 1_000 + seq, frame: null });
  const live: AnnotationOp = { ...h('live', 1), kind: 'shape', shape: 'arrow', from: [0.1, 0.1], to: [0.2, 0.2], style, fade: false };
  const onStill: AnnotationOp = { ...h('marked', 2), still: 'freeze1', kind: 'text', at: [0.5, 0.5], text: 'here', style, fade: false };

  it('show on their still, and never on the live picture or another still', () => {
    const state = new OverlayState();
    state.apply(live);
    state.apply(onStill);
    const ids = (still: string | null) =>
      state
        .visible()
        .filter((a) => isOnPicture(a, still))
        .map((a) => a.id);
    expect(ids(null)).toEqual(['live']);
    expect(ids('freeze1')).toEqual(['live', 'marked']);
    expect(ids('freeze2')).toEqual(['live']);
  });

  it('keep their still through a snapshot', () => {
    const state = new OverlayState();
    state.apply(onStill);
    const copy = new OverlayState();
    copy.merge(state.snapshot());
    expect(copy.annotations.get('A/marked')?.still).toBe('freeze1');
  });
});

describe('the overlay’s bound', () => {
  const arrow = (author: string, n: number, t = 1_000 + n): AnnotationOp => ({
    v: ANNOTATION_VERSION,
    id: `a${n}`,
    author,
    seq: n,
    t,
    frame: null,
    kind: 'shape',
    shape: 'arrow',
    from: [0, 0],
    to: [1, 1],
    style,
    fade: false,
  });

  it('refuses an author’s annotations past their share and everyone’s past the total; a clear makes room again', () => {
    const state = new OverlayState();
    for (let n = 0; n < MAX_ANNOTATIONS_PER_AUTHOR; n++) expect(state.apply(arrow('A', n))).toBe(true);
    expect(state.apply(arrow('A', 9999))).toBe(false);
    expect(state.hasRoomFor('A')).toBe(false);
    // Strokes too, whatever order their ops come in.
    expect(
      state.apply({ v: ANNOTATION_VERSION, id: 's1', author: 'A', seq: 1, t: 5_000, frame: null, kind: 'stroke.points', from: 1, points: [[0.1, 0.1]] }),
    ).toBe(false);
    for (let n = 0; n < MAX_ANNOTATIONS - MAX_ANNOTATIONS_PER_AUTHOR; n++) expect(state.apply(arrow('B', n))).toBe(true);
    expect(state.apply(arrow('C', 0))).toBe(false);
    expect(state.visible()).toHaveLength(MAX_ANNOTATIONS);
    state.apply({ v: ANNOTATION_VERSION, id: 'clear1', author: 'A', seq: 1_000_000, t: 1_000_000, frame: null, kind: 'clear' });
    expect(state.apply(arrow('A', 10_000, 2_000_000))).toBe(true);
  });

  it('counts right through erases, restores and a clear taken back, as annotations come and go', () => {
    const state = new OverlayState();
    for (let n = 0; n < MAX_ANNOTATIONS_PER_AUTHOR; n++) state.apply(arrow('A', n));
    const op = (kind: 'erase' | 'restore', id: string, seq: number): AnnotationOp => ({
      v: ANNOTATION_VERSION,
      id: `u${seq}`,
      author: 'A',
      seq,
      t: 10_000 + seq,
      frame: null,
      kind,
      target: { author: 'A', id },
    });
    state.apply(op('erase', 'a0', 1));
    expect(state.apply(arrow('A', 5000))).toBe(true);
    expect(state.apply(arrow('A', 5001))).toBe(false);
    // The erased one back makes one more than the share: it shows (an undo is never refused), and
    // nothing new comes until two are gone.
    state.apply(op('restore', 'a0', 2));
    expect(state.visible()).toHaveLength(MAX_ANNOTATIONS_PER_AUTHOR + 1);
    state.apply(op('erase', 'a1', 3));
    expect(state.apply(arrow('A', 5002))).toBe(false);
    state.apply(op('erase', 'a2', 4));
    expect(state.apply(arrow('A', 5003))).toBe(true);
    state.apply({ v: ANNOTATION_VERSION, id: 'wipe', author: 'A', seq: 5, t: 20_000, frame: null, kind: 'clear' });
    expect(state.apply(arrow('A', 5004, 30_000))).toBe(true);
    state.apply(op('erase', 'wipe', 6));
    expect(state.apply(arrow('A', 5005, 30_001))).toBe(false);
  });
});

describe('several pictures', () => {
  const h = (id: string, t: number, author = 'A') => ({ v: ANNOTATION_VERSION, id, author, seq: t, t, frame: null });
  const mark = (id: string, t: number, source?: string): AnnotationOp => ({
    ...h(id, t),
    ...(source ? { source } : {}),
    kind: 'text',
    at: [0.5, 0.5],
    text: id,
    style,
    fade: false,
  });
  const ids = (state: OverlayState) => state.visible().map((a) => a.id);

  it('a clear naming a picture clears that picture only; undoing it brings its marks back', () => {
    const state = new OverlayState();
    state.apply(mark('lap', 1, 'T#main'));
    state.apply(mark('room', 2, 'T#room'));
    state.apply(mark('old', 3));
    state.apply({ ...h('c', 10), source: 'T#room', kind: 'clear' });
    state.apply(mark('roomLate', 5, 'T#room'));
    expect(ids(state)).toEqual(['lap', 'old']);
    state.apply({ ...h('undo', 11), kind: 'erase', target: { author: 'A', id: 'c' } });
    expect(ids(state)).toEqual(['lap', 'room', 'old', 'roomLate']);
  });

  it('a clear of a main picture reaches the marks that name no picture (version 1); one naming none clears every picture', () => {
    const state = new OverlayState();
    state.apply(mark('lap', 1, 'T#main'));
    state.apply(mark('v1', 2));
    state.apply(mark('room', 3, 'T#room'));
    state.apply({ ...h('c1', 10), source: 'T#main', kind: 'clear' });
    expect(ids(state)).toEqual(['room']);
    state.apply({ ...h('c2', 11), kind: 'clear' });
    expect(ids(state)).toEqual([]);
  });

  it('a shared prior image is a picture until someone erases its share; a late joiner gets it, with its marks, from a snapshot', () => {
    const state = new OverlayState();
    const image = { study: '1.2.3', series: '1.2.3.4', sop: '1.2.3.4.5', window: 'lung' as const };
    state.apply({ ...h('abc123', 1), kind: 'share', image, label: '2024-03-02 CT Chest · 5/10' });
    state.apply(mark('onPrior', 2, 'A#prior-abc123'));
    expect(state.shared()).toEqual([
      { key: 'A/abc123', author: 'A', id: 'abc123', t: 1, source: 'A#prior-abc123', image, label: '2024-03-02 CT Chest · 5/10' },
    ]);
    // A clear of another picture leaves the image and its marks alone.
    state.apply({ ...h('c', 3), source: 'T#main', kind: 'clear' });
    const joiner = new OverlayState();
    joiner.merge(state.snapshot());
    expect(joiner.shared().map((s) => s.source)).toEqual(['A#prior-abc123']);
    expect(ids(joiner)).toEqual(['onPrior']);
    // Another mentor takes it away; the late joiner follows the erase, even one that came first.
    const unshare: AnnotationOp = { ...h('e', 4, 'B'), kind: 'erase', target: { author: 'A', id: 'abc123' } };
    state.apply(unshare);
    expect(state.shared()).toEqual([]);
    const early = new OverlayState();
    early.apply(unshare);
    early.merge(state.snapshot());
    expect(early.shared()).toEqual([]);
  });
});
