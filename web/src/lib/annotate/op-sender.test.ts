import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_POINTS_PER_OP, TOPICS, type AnnotationOp, type Point } from '@loupe/protocol';
import { OpSender } from './op-sender.ts';
import { fakeFrames, quietRoom } from './test-room.ts';

/** A mentor's sender whose packets land in `packets`, as the room would publish them. */
function mentorSender(source: () => string | null = () => null) {
  const { room, packets } = quietRoom('mentor-1', 'mentor');
  const applied: AnnotationOp[] = [];
  const sender = new OpSender({ room, author: 'mentor-1', now: () => 1_000, frame: () => null, still: () => null, source, applyOwn: (op) => applied.push(op) });
  return { sender, packets, applied, kinds: () => packets.map((p) => p.op.kind) };
}

const style = { color: '#00e5ff', width: 'medium' } as const;
const line = (n: number, from = 0): Point[] => Array.from({ length: n }, (_, i) => [(from + i) / 1000, 0.5]);

let frames: ReturnType<typeof fakeFrames>;
beforeEach(() => (frames = fakeFrames()));
afterEach(() => vi.unstubAllGlobals());

describe('a stroke as the mentor draws it', () => {
  it('the pen touching down goes out at once; the points that follow go out together when the next frame paints', () => {
    const { sender, packets, kinds } = mentorSender();
    sender.beginStroke([0.1, 0.1], style, false);
    expect(kinds()).toEqual(['stroke.begin']);

    sender.addPoints(line(3));
    sender.addPoints(line(4, 3));
    expect(kinds()).toEqual(['stroke.begin']);
    frames.paint();
    expect(kinds()).toEqual(['stroke.begin', 'stroke.points']);
    expect(packets[1]!.op).toMatchObject({ kind: 'stroke.points', from: 1, points: line(7) });
    // Nothing new drawn: the next frame sends nothing.
    frames.paint();
    expect(packets).toHaveLength(2);
  });

  it('one frame of points is one request for a frame, however many pointer events it holds', () => {
    const { sender } = mentorSender();
    sender.beginStroke([0.1, 0.1], style, false);
    for (let i = 0; i < 10; i++) sender.addPoints(line(2, i * 2));
    expect(frames.requested).toBe(1);
  });

  it('lifting the pen sends what is pending and says how many points the stroke has, without waiting for a frame', () => {
    const { sender, packets, kinds } = mentorSender();
    const id = sender.beginStroke([0.1, 0.1], style, true);
    sender.addPoints(line(5));
    sender.endStroke();
    expect(kinds()).toEqual(['stroke.begin', 'stroke.points', 'stroke.end']);
    expect(packets.every((p) => p.op.id === id && p.reliable && p.topic === TOPICS.ops)).toBe(true);
    expect(packets[0]!.op).toMatchObject({ fade: true, author: 'mentor-1' });
    expect(packets[2]!.op).toMatchObject({ count: 6 });
  });

  it('a long frame of points is split so that no packet carries more than its share', () => {
    const { sender, packets } = mentorSender();
    sender.beginStroke([0, 0], style, false);
    sender.addPoints(line(MAX_POINTS_PER_OP * 2 + 10));
    frames.paint();
    const sizes = packets.slice(1).map((p) => (p.op as { points: Point[] }).points.length);
    expect(sizes).toEqual([MAX_POINTS_PER_OP, MAX_POINTS_PER_OP, 10]);
    expect(packets.slice(1).map((p) => (p.op as { from: number }).from)).toEqual([1, 1 + MAX_POINTS_PER_OP, 1 + 2 * MAX_POINTS_PER_OP]);
  });

  it('starting another shape finishes the stroke first, so theatre never sees two strokes open', () => {
    const { sender, kinds } = mentorSender();
    sender.beginStroke([0.1, 0.1], style, false);
    sender.addPoints(line(2));
    sender.send({ kind: 'shape', id: 'arrow-1', shape: 'arrow', from: [0.1, 0.1], to: [0.4, 0.4], style, fade: false });
    expect(kinds()).toEqual(['stroke.begin', 'stroke.points', 'stroke.end', 'shape']);
  });

  it('every op is applied to the mentor’s own overlay as it is sent, in sequence', () => {
    const { sender, packets, applied } = mentorSender();
    sender.beginStroke([0.1, 0.1], style, false);
    sender.endStroke();
    sender.erase({ author: 'mentor-1', id: 'x' });
    expect(applied).toEqual(packets.map((p) => p.op));
    const seqs = packets.map((p) => p.op.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});

describe('the laser pointer', () => {
  it('goes out once a frame on the lossy topic, the latest points only', () => {
    const { sender, packets } = mentorSender();
    sender.laser(line(MAX_POINTS_PER_OP + 5));
    expect(packets).toHaveLength(0);
    frames.paint();
    expect(packets).toHaveLength(1);
    expect(packets[0]).toMatchObject({ topic: TOPICS.laser, reliable: false });
    expect((packets[0]!.op as { points: Point[] }).points).toEqual(line(MAX_POINTS_PER_OP, 5));
  });

  it('stops with the page: a frame pending when the sender is disposed sends nothing', () => {
    const { sender, packets } = mentorSender();
    sender.laser(line(3));
    sender.dispose();
    frames.paint();
    expect(packets).toHaveLength(0);
  });
});

describe('the source an op is on', () => {
  it('a new annotation, the laser and a freeze name the picture drawn on; the rest of a stroke and an erase do not need to', () => {
    let on = 'u-theatre#laparoscope';
    const { sender, packets } = mentorSender(() => on);
    sender.beginStroke([0.1, 0.1], style, false);
    sender.addPoints(line(3));
    sender.endStroke();
    on = 'u-theatre#room';
    sender.send({ kind: 'shape', id: 'a1', shape: 'arrow', from: [0.1, 0.1], to: [0.2, 0.2], style, fade: false });
    sender.laser([[0.5, 0.5]]);
    frames.paint();
    sender.erase({ author: 'mentor-1', id: 'a1' });
    expect(packets.map((p) => [p.op.kind, (p.op as { source?: string }).source])).toEqual([
      ['stroke.begin', 'u-theatre#laparoscope'],
      ['stroke.points', undefined],
      ['stroke.end', undefined],
      ['shape', 'u-theatre#room'],
      ['laser', 'u-theatre#room'],
      ['erase', undefined],
    ]);
  });
});
