import { describe, expect, it } from 'vitest';
import { ANNOTATION_VERSION, FocusNotice, type AnnotationOp } from './annotation.ts';
import { CaseTrack } from './case-track.ts';
import { isMainSource, isOnSource, OverlayState } from './overlay.ts';
import { parseSourceTrackName, sourceId, sourceKey, sourceOwner, sourceTrackName } from './sources.ts';

const style = { color: '#00e5ff', width: 'medium' } as const;
const LAP = sourceId('u-theatre', 'laparoscope');
const ROOM = sourceId('u-theatre', 'room');
const h = (id: string, t: number) => ({ v: ANNOTATION_VERSION, id, author: 'u-mentor', seq: t, t, frame: null });

describe('sources', () => {
  it('names a track with its key and label, and reads it back', () => {
    expect(parseSourceTrackName(sourceTrackName('ultrasound', 'Ultrasound: left'))).toEqual({ key: 'ultrasound', label: 'Ultrasound: left' });
    expect(parseSourceTrackName('camera')).toBeNull();
    expect(parseSourceTrackName('loupe-source:Bad Key:x')).toBeNull();
    expect(() => sourceTrackName('Bad Key', 'x')).toThrow(/bad source key/);
  });

  it('makes a key from a label, unique among those taken', () => {
    expect(sourceKey('Laparoscope')).toBe('laparoscope');
    expect(sourceKey('Ultrasound 2', ['ultrasound-2'])).toBe('ultrasound-2-2');
    expect(sourceKey('超声')).toBe('source');
  });

  it('reads where a mentor looks; anything else is not a focus notice', () => {
    const v = ANNOTATION_VERSION;
    expect(FocusNotice.parse({ v, kind: 'focus', source: LAP })).toEqual({ v, kind: 'focus', source: LAP });
    expect(FocusNotice.parse({ v, kind: 'focus', source: null }).source).toBeNull();
    for (const bad of [
      { v, kind: 'focus', source: 42 },
      { v, kind: 'focus-everyone', source: LAP },
      { v: v + 1, kind: 'focus', source: LAP },
      { v, kind: 'focus' },
    ]) {
      expect(FocusNotice.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('tells the theatre a source belongs to, even when its identity has a colon', () => {
    expect(sourceOwner(sourceId('u1:display:ab', 'room'))).toBe('u1:display:ab');
  });

  it('keeps each mark on its source through a snapshot (late join, reconnect)', () => {
    const state = new OverlayState();
    state.apply({ ...h('a', 1), kind: 'shape', shape: 'arrow', from: [0.1, 0.1], to: [0.2, 0.2], style, fade: false, source: LAP });
    state.apply({ ...h('b', 2), kind: 'text', at: [0.5, 0.5], text: 'here', style, fade: false, source: ROOM });
    state.apply({ ...h('f', 3), kind: 'freeze', frozen: true, source: ROOM });
    const late = new OverlayState();
    late.merge(state.snapshot());
    const on = (id: string) =>
      late
        .visible()
        .filter((a) => isOnSource(a.source, id))
        .map((a) => a.id);
    expect(on(LAP)).toEqual(['a']);
    expect(on(ROOM)).toEqual(['b']);
    expect(late.freeze?.source).toBe(ROOM);
  });

  it('puts a mark that names no source (version 1, a case recorded before) on the main source only', () => {
    expect(isOnSource(null, sourceId('u-theatre', 'main'))).toBe(true);
    expect(isOnSource(null, ROOM)).toBe(false);
    expect(isOnSource(ROOM, ROOM)).toBe(true);
    expect(isOnSource(LAP, ROOM)).toBe(false);
    expect([null, sourceId('u-theatre', 'main'), ROOM].map(isMainSource)).toEqual([true, true, false]);
  });

  it('still reads a case track recorded with version-1 ops', () => {
    const op: AnnotationOp = {
      v: 1,
      id: 'x',
      author: 'm',
      seq: 1,
      t: 1,
      frame: null,
      kind: 'shape',
      shape: 'arrow',
      from: [0, 0],
      to: [1, 1],
      style,
      fade: false,
    };
    expect(CaseTrack.parse({ v: 1, durationMs: 10, events: [{ mediaMs: 1, type: 'op', op }] }).events[0]?.op).toEqual(op);
  });
});
