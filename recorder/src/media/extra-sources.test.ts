import { describe, expect, it } from 'vitest';
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
