import { describe, expect, it } from 'vitest';
import { ANNOTATION_VERSION, OverlayState, type AnnotationOp, type Target } from '@loupe/protocol';
import { isMoot, OwnHistory, type HistoryStep } from './history.ts';

/**
 * A mentor's page in miniature: the overlay everyone shares, this mentor's history, and the
 * ops both send, as the drawing tools send them.
 */
function room() {
  const state = new OverlayState();
  const history = new OwnHistory();
  let t = 1000;
  const send = (author: string, op: Record<string, unknown>) =>
    state.apply({ v: ANNOTATION_VERSION, author, seq: t, t: t++, frame: null, ...op } as AnnotationOp);
  const style = { color: '#00e5ff', width: 'medium' } as const;
  const take = (step: HistoryStep | null) => step && send('me', { kind: step.kind, id: `op${t}`, target: step.target });
  return {
    state,
    history,
    /** An arrow drawn by `author`; this mentor's own go into the history. */
    draw(id: string, author = 'me') {
      send(author, { kind: 'shape', id, shape: 'arrow', from: [0.1, 0.1], to: [0.2, 0.2], style, fade: false });
      if (author === 'me') history.record({ kind: 'added', target: { author, id } });
    },
    erase(target: Target, by = 'me') {
      send(by, { kind: 'erase', id: `op${t}`, target });
      if (by === 'me') history.record({ kind: 'erased', target });
    },
    clear(id: string, by = 'me') {
      send(by, { kind: 'clear', id });
      if (by === 'me') history.record({ kind: 'cleared', target: { author: by, id } });
    },
    undo: () => take(history.undo((action) => isMoot(action, state))),
    redo: () => take(history.redo()),
    shown: () => state.visible().map((a) => a.id),
  };
}

describe('undo and redo of the mentor’s own actions', () => {
  it('undo takes back the latest annotation, redo brings it back', () => {
    const r = room();
    r.draw('a');
    r.draw('b');
    r.undo();
    expect(r.shown()).toEqual(['a']);
    r.redo();
    expect(r.shown()).toEqual(['a', 'b']);
  });

  it('undo of the eraser brings back what it rubbed out, another mentor’s too; redo rubs it out again', () => {
    const r = room();
    r.draw('mine');
    r.draw('theirs', 'other');
    r.erase({ author: 'other', id: 'theirs' });
    r.erase({ author: 'me', id: 'mine' });
    expect(r.shown()).toEqual([]);
    r.undo();
    expect(r.shown()).toEqual(['mine']);
    r.undo();
    expect(r.shown()).toEqual(['mine', 'theirs']);
    r.redo();
    expect(r.shown()).toEqual(['mine']);
  });

  it('undo of Clear all brings back everything it hid, everyone’s; redo clears it again', () => {
    const r = room();
    r.draw('a');
    r.draw('b', 'other');
    r.erase({ author: 'me', id: 'a' });
    r.draw('c');
    r.clear('clear1');
    expect(r.shown()).toEqual([]);
    r.undo();
    // What had been erased before the clear stays erased.
    expect(r.shown()).toEqual(['b', 'c']);
    r.redo();
    expect(r.shown()).toEqual([]);
    r.undo();
    r.undo();
    expect(r.shown()).toEqual(['b']);
    r.undo();
    expect(r.shown()).toEqual(['a', 'b']);
  });

  it('skips what someone else already took back, so every undo changes the picture', () => {
    const r = room();
    r.draw('a');
    r.draw('b');
    r.erase({ author: 'me', id: 'b' }, 'other');
    r.undo();
    expect(r.shown()).toEqual([]);
    expect(r.history.canUndo).toBe(false);
  });

  it('skips a clear another mentor already took back', () => {
    const r = room();
    r.draw('a');
    r.clear('clear1');
    r.erase({ author: 'me', id: 'clear1' }, 'other');
    expect(r.shown()).toEqual(['a']);
    r.undo();
    expect(r.shown()).toEqual([]);
  });

  it('a new action after an undo ends what could be redone', () => {
    const r = room();
    r.draw('a');
    r.undo();
    expect(r.history.canRedo).toBe(true);
    r.draw('b');
    expect(r.history.canRedo).toBe(false);
    expect(r.redo()).toBeNull();
  });
});
