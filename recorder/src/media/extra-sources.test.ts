import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ExtraSources, MAX_OTHER_SOURCES, arrivedBy, nearestBy, type TimedPicture } from './extra-sources.ts';
import { SegmentedVideo } from './segmented-video.ts';

const at = (ms: number): TimedPicture => ({ data: new Uint8Array([ms]), width: 2, height: 2, at: ms });

/** Sources that write their files into a directory of their own, closed and removed after the test. */
function writingSources(onStart: (source: { frame: number }) => void = () => undefined): ExtraSources {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-extra-'));
  const kept = new ExtraSources({
    dir: (n) => join(dir, String(n)),
    firstNumber: 0,
    mayAdd: () => true,
    onStart,
    onSegment: () => undefined,
    onFailure: () => undefined,
  });
  onTestFinished(async () => {
    await kept.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return kept;
}

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

  it('when the picture of the moment was lost, shows the nearer of the one before and the next, never one further on', () => {
    // The pictures of 67 and 100 never came: at 100, the next (133) is a frame off, the one before (33) two.
    expect(nearestBy([at(33), at(133)], 100, null)).toBe(2);
    // Not started yet (nothing shown): it starts at its own first picture's moment.
    expect(nearestBy([at(133)], 100, null)).toBe(0);
    // At 67 both are a frame off: the one before stays.
    expect(nearestBy([at(33), at(100)], 67, null)).toBe(1);
    // The one shown already (taken for an earlier main frame) counts as the one before.
    expect(nearestBy([at(133)], 100, at(33))).toBe(1);
    expect(nearestBy([at(133)], 100, at(67))).toBe(0);
    // Two frames on is not the next frame: held, as before.
    expect(nearestBy([at(167)], 100, at(33))).toBe(0);
    // The picture of the moment came: taken, and nothing after it.
    expect(nearestBy([at(67), at(100), at(133)], 100, null)).toBe(2);
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

  it('has reached a moment once every source being written and still there has received its picture of it', async () => {
    const kept = writingSources();
    const frame = (ms: number) => ({ ...at(ms), data: new Uint8Array(64 * 64 * 1.5), width: 64, height: 64 });
    kept.track('t#us', 'Ultrasound', 'TR_1', { width: 64, height: 64 });
    kept.track('t#room', 'Room', 'TR_2', { width: 64, height: 64 });
    // Nothing written yet: no source holds a stop back.
    expect(kept.reached(1000)).toBe(true);
    kept.push('t#us', 'TR_1', frame(0));
    kept.push('t#room', 'TR_2', frame(0));
    kept.write(0, 0);
    kept.push('t#us', 'TR_1', frame(100));
    // The room's pictures of 100 ms are still on their way (within half a frame counts).
    expect(kept.reached(100)).toBe(false);
    kept.push('t#room', 'TR_2', frame(90));
    expect(kept.reached(100)).toBe(true);
    expect(kept.reached(133)).toBe(false);
    // A source gone away is not waited for.
    kept.gone('TR_2');
    expect(kept.reached(110)).toBe(true);
  });

  it('follows no more than two theatres’ pictures, whatever a client publishes', () => {
    const kept = sources(() => true);
    for (let i = 0; i < MAX_OTHER_SOURCES; i++) expect(kept.track(`t#s${i}`, '', `TR_${i}`, null)).toBe(true);
    expect(kept.track('t#one-more', '', 'TR_x', null)).toBe(false);
  });
});

describe('where a source’s file starts', () => {
  it('at the main frame of its first picture’s moment: a source that came after the main picture starts later, not on frame 0 with a later picture', async () => {
    const started: number[] = [];
    const kept = writingSources(({ frame }) => started.push(frame));
    kept.track('t#us', 'Ultrasound', 'TR_1', { width: 64, height: 64 });
    // Its first picture is of the main picture's third frame (its first keyframe came later).
    for (const ms of [67, 100, 133]) kept.push('t#us', 'TR_1', { ...at(ms), data: new Uint8Array(64 * 64 * 1.5), width: 64, height: 64 });
    for (let frame = 0; frame < 4; frame++) kept.write(frame, frame * 33.4);
    expect(started).toEqual([2]);
  });
});

describe('a source whose pictures come late', () => {
  it('writes each of its frames with its own picture of the main frame’s moment, once that has come, not an older one held', async () => {
    const written: number[] = [];
    const write = vi.spyOn(SegmentedVideo.prototype, 'write').mockImplementation((frame: Uint8Array) => void written.push(frame[0]!));
    onTestFinished(() => void write.mockRestore());
    const kept = writingSources();
    // Each picture carries its number in its first byte.
    const numbered = (n: number) => {
      const data = new Uint8Array(64 * 64 * 1.5);
      data[0] = n;
      return { data, width: 64, height: 64, at: n * 33.3 };
    };
    kept.track('t#us', 'Ultrasound', 'TR_1', { width: 64, height: 64 });
    kept.push('t#us', 'TR_1', numbered(1));
    kept.write(0, 33.3);
    // Main frames 1 to 3 are written before the source's pictures of their moments come, in a burst.
    for (const n of [2, 3, 4]) kept.write(n - 1, n * 33.3);
    expect(written).toEqual([1]);
    for (const n of [2, 3, 4]) kept.push('t#us', 'TR_1', numbered(n));
    expect(written).toEqual([1, 2, 3, 4]);
    // One that never comes is waited for a second, no longer: the picture holds.
    vi.useFakeTimers({ toFake: ['performance'] });
    onTestFinished(() => void vi.useRealTimers());
    kept.write(4, 5 * 33.3);
    vi.advanceTimersByTime(900);
    kept.write(5, 6 * 33.3);
    expect(written).toEqual([1, 2, 3, 4]);
    vi.advanceTimersByTime(200);
    kept.write(6, 7 * 33.3);
    expect(written).toEqual([1, 2, 3, 4, 4]);
    // At the end, the frames still waiting are written with what came.
    await kept.close();
    expect(written).toEqual([1, 2, 3, 4, 4, 4, 4]);
  });
});
