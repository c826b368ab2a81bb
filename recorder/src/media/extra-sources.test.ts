import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ExtraSources, MAX_OTHER_SOURCES, arrivedBy, type TimedPicture } from './extra-sources.ts';

const at = (ms: number): TimedPicture => ({ data: new Uint8Array([ms]), width: 2, height: 2, at: ms });

describe('matching another source’s pictures to the main one', () => {
  it('takes the pictures of the main picture’s moment or before, give or take half a frame', () => {
    const waiting = [at(0), at(33), at(67), at(100)];
    expect(arrivedBy(waiting, 40)).toBe(2);
    // 10 ms after the main picture: the same instant, within half a frame.
    expect(arrivedBy(waiting, 57)).toBe(3);
    expect(arrivedBy(waiting, -20)).toBe(0);
  });

  it('reaches where the source went away once the pictures before it are taken, and not before', () => {
    const waiting = [at(0), null, at(200)];
    expect(arrivedBy(waiting, -20)).toBe(0);
    expect(arrivedBy(waiting, 5)).toBe(2);
  });
});

describe('the sources one recording keeps', () => {
  const sources = (room: () => boolean) =>
    new ExtraSources({
      dir: () => '/nonexistent',
      firstNumber: 0,
      mayAdd: room,
      onStart: () => undefined,
      onSegment: () => undefined,
      onFailure: () => undefined,
    });

  it('keeps one only while the worker’s CPU budget has room, and a source back under a new track without asking again', () => {
    let room = true;
    const kept = sources(() => room);
    expect(kept.track('t#room', 'Room', 'TR_1', null)).toBe(true);
    room = false;
    expect(kept.track('t#us', 'Ultrasound', 'TR_2', null)).toBe(false);
    expect(kept.track('t#room', 'Room', 'TR_3', null)).toBe(true);
    expect(kept.encoders).toBe(1);
    // Pictures of a track no longer the source's are not taken.
    expect(kept.push('t#room', 'TR_1', at(0))).toBe(false);
    expect(kept.push('t#room', 'TR_3', at(0))).toBe(true);
  });

  it('follows no more than two theatres’ pictures, whatever a client publishes', () => {
    const kept = sources(() => true);
    for (let i = 0; i < MAX_OTHER_SOURCES; i++) expect(kept.track(`t#s${i}`, '', `TR_${i}`, null)).toBe(true);
    expect(kept.track('t#one-more', '', 'TR_x', null)).toBe(false);
  });
});

describe('where a source’s file starts', () => {
  it('at the main frame of its first picture’s moment: a source that came after the main picture starts later, not on frame 0 with a later picture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-extra-'));
    const started: number[] = [];
    const kept = new ExtraSources({
      dir: (n) => join(dir, String(n)),
      firstNumber: 0,
      mayAdd: () => true,
      onStart: ({ frame }) => started.push(frame),
      onSegment: () => undefined,
      onFailure: () => undefined,
    });
    onTestFinished(async () => {
      await kept.close();
      rmSync(dir, { recursive: true, force: true });
    });
    kept.track('t#us', 'Ultrasound', 'TR_1', { width: 64, height: 64 });
    // Its first picture is of the main picture's third frame (its first keyframe came later).
    for (const ms of [67, 100, 133]) kept.push('t#us', 'TR_1', { ...at(ms), data: new Uint8Array(64 * 64 * 1.5), width: 64, height: 64 });
    for (let frame = 0; frame < 4; frame++) kept.write(frame, frame * 33.4);
    expect(started).toEqual([2]);
  });
});
