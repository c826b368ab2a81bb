import { describe, expect, it } from 'vitest';
import { ANNOTATION_VERSION, type AnnotationOp } from './annotation.ts';
import { OverlayRequest, snapshotOpsToApply, type SnapshotContext } from './snapshot.ts';

const NOW = 1_800_000_000_000;
const style = { color: '#00e5ff', width: 'medium' } as const;
const arrow = (author: string, id: string, t = NOW - 1000): AnnotationOp => ({
  v: ANNOTATION_VERSION,
  id,
  author,
  seq: 1,
  t,
  frame: null,
  kind: 'shape',
  shape: 'arrow',
  from: [0, 0],
  to: [1, 1],
  style,
  fade: false,
});
const ids = (ops: AnnotationOp[]) => ops.map((o) => `${o.author}/${o.id}`);

describe('what a snapshot may carry', () => {
  const ops: AnnotationOp[] = [
    arrow('mentor-a', 'own'),
    arrow('mentor-b', 'present'),
    arrow('mentor-gone', 'left'),
    arrow('theatre', 'theatre-drew'),
    { v: ANNOTATION_VERSION, id: 'b1', author: 'mentor-gone', seq: 2, t: NOW - 500, frame: null, kind: 'bookmark', title: 'a chapter' },
    arrow('mentor-a', 'ahead', NOW + 3_600_000),
  ];
  const ctx = (sender: SnapshotContext['sender'], solicited: boolean): SnapshotContext => ({
    sender,
    solicited,
    present: new Set(['mentor-a', 'mentor-b', 'theatre']),
    now: NOW,
  });

  it('from a mentor answering us: its own ops and those of authors who left, never a bookmark or an op dated ahead', () => {
    expect(ids(snapshotOpsToApply(ops, ctx({ identity: 'mentor-a', role: 'mentor' }, true)))).toEqual(['mentor-a/own', 'mentor-gone/left']);
  });

  it('from theatre answering us: none of its own (theatre never draws), nor a present mentor’s', () => {
    expect(ids(snapshotOpsToApply(ops, ctx({ identity: 'theatre', role: 'theatre' }, true)))).toEqual(['mentor-gone/left']);
  });

  it('unasked (a holder back from a reconnect): the sender’s own ops only', () => {
    expect(ids(snapshotOpsToApply(ops, ctx({ identity: 'mentor-a', role: 'mentor' }, false)))).toEqual(['mentor-a/own']);
    expect(snapshotOpsToApply(ops, ctx({ identity: 'theatre', role: 'theatre' }, false))).toEqual([]);
  });
});

describe('our own request for the overlay', () => {
  it('is answered by each holder once, and only for a while', () => {
    const asked = new OverlayRequest();
    expect(asked.answeredBy('theatre', 0)).toBe(false);
    asked.ask(1_000);
    expect(asked.answeredBy('theatre', 2_000)).toBe(true);
    expect(asked.answeredBy('theatre', 2_100)).toBe(false);
    expect(asked.answeredBy('mentor', 20_000)).toBe(false);
  });
});
