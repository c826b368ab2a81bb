/**
 * The room empties while a recording runs, for real: theatre (the only one in the room) leaves
 * for longer than livekit-server keeps an empty room (LOUPE_ROOM_DEPARTURE_SECONDS, 20 s by
 * default, 5 s here), as when the OR PC's browser crashes, then comes back. All real processes: livekit-server, the api, the recorder.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFailed } from 'vitest';
import { durationMs } from '../src/media/probe.ts';
import { recordingPaths } from '../src/media/recording-files.ts';
import { ok } from './api-client.ts';
import { NumberedPicture, frameNumbers } from './numbered-picture.ts';
import { startRecordedSession, stoppedAfterEachTest, type RecordedSession } from './recorded-session.ts';

/** How long livekit-server keeps an empty room, here. */
const DEPARTURE_S = 5;
/** Longer than that and the recorder's grace for theatre's picture (3 s): an empty room would have closed. */
const AWAY_MS = 9_000;

const stopAfterTest = stoppedAfterEachTest();

async function recordedSession(title: string, recorderEnv: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-empty-room-'));
  const live = await startRecordedSession({
    dir,
    mediaDir: join(dir, 'media'),
    title,
    picture: new NumberedPicture(640, 360),
    recorderEnv,
    apiEnv: { LOUPE_ROOM_DEPARTURE_SECONDS: String(DEPARTURE_S) },
  });
  stopAfterTest(live, dir);
  onTestFailed(() => console.log(live.logs()));
  const recording = await live.startRecording();
  await expect.poll(live.recState, { timeout: 30_000 }).toBe('recording');
  const status = async () => (await live.recording()).status;
  return { live, dir, recording, status, paths: recordingPaths(join(dir, 'media'), recording.id) };
}

/** Until theatre has sent `frames` more pictures (30 a second) than it had when called. */
async function picturesSent(live: RecordedSession, frames: number) {
  const from = live.publisher.sent;
  await expect.poll(() => live.publisher.sent, { timeout: 30_000 }).toBeGreaterThanOrEqual(from + frames);
}

describe('a recording while the room is empty', () => {
  it('waits while nobody sends the picture, says so when theatre is back, carries on by itself, and the case holds only what was recorded with the gap marked', async () => {
    const { live, status, paths } = await recordedSession('Recorded through an empty room');
    await picturesSent(live, 90);
    const lastBefore = live.publisher.sent;
    await live.theatreLeaves();
    const leftAt = Date.now();
    // The api says the recording waits (every page that joins shows it), within the grace period.
    await expect.poll(status, { timeout: 10_000, interval: 250 }).toBe('waiting');
    // Real time passing is what is tested: the recording still waits once livekit-server would
    // have closed the empty room.
    await new Promise((r) => setTimeout(r, Math.max(0, leftAt + AWAY_MS - Date.now())));
    expect(await status()).toBe('waiting');

    await live.theatreReturns();
    // Back in a room that kept its state: theatre sees the recording waiting, then recording again.
    await expect.poll(live.recState, { timeout: 10_000, interval: 100 }).toBe('recording');
    const firstAfter = live.publisher.sent;
    await picturesSent(live, 90);
    await live.stopRecording();
    await expect.poll(status, { timeout: 60_000, interval: 250 }).toBe('ready');

    const video = join(paths.dir, 'case.mp4');
    const track = JSON.parse(await readFile(join(paths.dir, 'annotations.json'), 'utf8'));
    // About 3 s before, 3 s after: the time away is not in the case, nor minutes of a stale picture.
    const ms = await durationMs(video);
    expect(ms).toBeGreaterThan(4_500);
    expect(ms).toBeLessThan(9_000);
    const gap = track.gaps.find((g: { kind: string }) => g.kind === 'no_picture');
    expect(gap, JSON.stringify(track.gaps)).toBeDefined();
    expect(gap.ms).toBeGreaterThan(AWAY_MS - 5_000);
    // Pictures from before the absence, then from after it (theatre's new picture counts from
    // 0 again): none from while nobody sent any, and no stale picture held at the seam.
    const numbers = await frameNumbers(video, 640);
    const seam = numbers.findIndex((n, i) => i > 0 && n < numbers[i - 1]!);
    const [before, after] = [numbers.slice(0, seam), numbers.slice(seam)];
    expect(seam).toBeGreaterThan(60);
    expect(Math.max(...before)).toBeLessThanOrEqual(lastBefore);
    expect(after.length).toBeGreaterThan(60);
    expect(Math.min(...after)).toBeLessThan(firstAfter);
    expect(after.slice(1).every((n, i) => n >= after[i]!)).toBe(true);
    // The last picture before theatre left is not written on through the time away. (Elsewhere a
    // picture is written again whenever theatre's next one is late, as on a loaded machine where
    // the publisher itself falls behind: that is the recorder keeping time, not this defect.)
    const heldAtSeam = before.length - 1 - before.findLastIndex((n) => n !== before.at(-1));
    expect(heldAtSeam).toBeLessThan(10);
  }, 120_000);

  it('stops a recording whose picture stays away too long: it becomes a case, and the room is told why', async () => {
    const { live, status } = await recordedSession('Left for good', { LOUPE_RECORDING_IDLE_STOP_MINUTES: '0.1' });
    await picturesSent(live, 60);
    await live.theatreLeaves();
    await expect.poll(status, { timeout: 15_000, interval: 250 }).toBe('waiting');
    // Six seconds after the grace period, the recorder stops it, and it is finished as a case.
    await expect.poll(status, { timeout: 60_000, interval: 250 }).toBe('ready');
    const { cases } = await ok(live.as(live.host.cookie).cases.$get({ query: {} }));
    expect(cases.find((c) => c.sessionId === live.sessionId)).toMatchObject({ status: 'ready' });
  }, 120_000);
});
