/**
 * The recorder's encoder falls behind, for real: the recording's ffmpeg is stopped (SIGSTOP)
 * for ten seconds while theatre keeps sending 720p at 30 frames a second, as when the machine
 * is out of CPU. The recorder's memory stays bounded instead of queueing every raw picture for
 * ffmpeg; the sound keeps to the clock meanwhile; every screen says REC — degraded; once ffmpeg
 * runs again the recording carries on with the timeline true (a bookmark dropped mid-stall lands
 * at its moment), and the case marks where the picture held and counts the pictures it lost.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dispose } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ANNOTATION_VERSION, parseRoomMetadata } from '@loupe/protocol';
import { readEventLog } from '../src/event-log.ts';
import { durationMs } from '../src/media/probe.ts';
import { recordingPaths } from '../src/media/recording-files.ts';
import { NumberedPicture, frameNumbers } from './numbered-picture.ts';
import { startRecordedSession, type RecordedSession } from './recorded-session.ts';
import { loudness } from './tone.ts';

const run = promisify(execFile);
const STALL_MS = 10_000;
// One raw 720p picture is 1.4 MB: ten seconds of them queued for ffmpeg would be ~400 MB; the
// recorder keeps at most a second in ffmpeg's pipe and a second in its own queue (~80 MB), and
// the garbage collector takes its time (50–100 MiB measured).
const MAX_GROWTH_MIB = 200;

let dir: string;
let live: RecordedSession;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-encoder-stall-'));
  live = await startRecordedSession({
    dir,
    mediaDir: join(dir, 'media'),
    title: 'Recorded while the encoder stalled',
    picture: new NumberedPicture(1280, 720),
    tone: true,
  });
});

afterAll(async () => {
  await live?.stop();
  await rm(dir, { recursive: true, force: true });
  await dispose();
});

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** How many of the recording's video segments ffmpeg has finished (it opens the next as it finishes one). */
const segmentsWritten = (segments: string) => Math.max(0, readdirSync(segments).filter((f) => f.startsWith('seg_')).length - 1);

/** The ffmpeg writing this recording's video segments. */
async function segmentWriterPid(segments: string): Promise<number> {
  const { stdout } = await run('pgrep', ['-f', join(segments, 'seg_')]);
  return Number(stdout.trim().split('\n')[0]);
}

describe('the recorder’s encoder stalls for ten seconds', () => {
  it('memory stays bounded, the recording carries on with a true timeline, and the case counts the pictures shed', async () => {
    onTestFailed(() => console.log(live.logs()));
    const recording = await live.startRecording();
    await expect.poll(live.recState, { timeout: 30_000 }).toBe('recording');
    const capturingSince = Date.now();
    const paths = recordingPaths(join(dir, 'media'), recording.id);
    const ffmpeg = await segmentWriterPid(paths.segments);
    const recorderPid = live.recorder.service.child.pid!;
    // Memory is measured from a recorder in its stride: a first whole segment written.
    await expect.poll(() => segmentsWritten(paths.segments), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);

    const before = rssMiB(recorderPid);
    let peak = before;
    let degradedShown = false;
    const stalledAt = Date.now();
    let bookmarkAt = 0;
    process.kill(ffmpeg, 'SIGSTOP');
    try {
      // Ten seconds of real time stalled is what is tested; the memory is sampled meanwhile.
      for (const end = Date.now() + STALL_MS; Date.now() < end;) {
        await new Promise((r) => setTimeout(r, 250));
        peak = Math.max(peak, rssMiB(recorderPid));
        degradedShown ||= parseRoomMetadata(live.theatreRoom.metadata).degraded === true;
        // Theatre drops a bookmark halfway through the stall: it must land at its moment.
        if (!bookmarkAt && Date.now() - stalledAt > STALL_MS / 2) {
          bookmarkAt = Date.now();
          const op = {
            v: ANNOTATION_VERSION,
            id: 'midstall',
            author: live.theatreRoom.localParticipant!.identity,
            seq: 1,
            t: bookmarkAt,
            frame: null,
            kind: 'bookmark',
            title: 'Half way through the stall',
          };
          await live.theatreRoom.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(op)), { reliable: true, topic: 'loupe.ops' });
        }
      }
    } finally {
      process.kill(ffmpeg, 'SIGCONT');
    }
    const sentAtResume = live.publisher.sent;
    console.log(`recorder memory: ${before.toFixed(0)} MiB before the stall, peak ${peak.toFixed(0)} MiB during it`);
    expect(peak - before).toBeLessThan(MAX_GROWTH_MIB);
    // Every screen said the recording was degraded while the recorder could not keep up.
    expect(degradedShown).toBe(true);
    expect((await live.recording()).degraded).toBe(true);

    // Recording carries on: theatre sends four seconds of picture after the stall, for the case.
    await expect.poll(() => live.publisher.sent, { timeout: 30_000 }).toBeGreaterThanOrEqual(sentAtResume + 4 * 30);
    const sentAtStop = live.publisher.sent;
    await live.stopRecording();
    const stoppedAfterMs = Date.now() - capturingSince;
    await expect.poll(async () => (await live.recording()).status, { timeout: 90_000, interval: 250 }).toBe('ready');

    const video = join(paths.dir, 'case.mp4');
    // The timeline kept time through the stall: the case is as long as the recording was.
    expect(await durationMs(video)).toBeGreaterThan(stoppedAfterMs - 2_000);
    const numbers = await frameNumbers(video, 1280);
    // The last pictures are from just before stop (the 200 ms playout delay and the stop's round trip).
    expect(Math.max(...numbers)).toBeGreaterThan(sentAtStop - 30);
    // Theatre's microphone was heard all through the stall: the sound does not wait for ffmpeg.
    const windows = await loudness(video, 250);
    const silent = windows.flatMap((rms, i) => (i >= 8 && i < windows.length - 8 && rms < 1000 ? [i / 4] : []));
    expect(windows.length).toBeGreaterThan(60);
    expect(silent, `seconds into the case without the tone, of ${(windows.length - 16) / 4} checked`).toEqual([]);
    // What the stall cost is said, not hidden: the case marks the stretch where the picture held.
    const stop = readEventLog(paths.events).find((e) => e.type === 'stop');
    expect(stop?.picturesShed).toBeGreaterThan((STALL_MS / 1000) * 15);
    const track = JSON.parse(readFileSync(join(paths.dir, 'annotations.json'), 'utf8'));
    const degraded = track.gaps.filter((g: { kind: string }) => g.kind === 'degraded');
    expect(degraded.length, JSON.stringify(track.gaps)).toBeGreaterThan(0);
    expect(degraded.reduce((n: number, g: { ms: number }) => n + g.ms, 0)).toBeGreaterThan(STALL_MS / 2);
    // The bookmark is where it was dropped on the wall clock (give or take the recorder's
    // start-up and a second), not squeezed toward the start.
    const [chapter] = track.events.filter((e: { op?: { kind: string } }) => e.op?.kind === 'bookmark');
    expect(Math.abs(chapter.mediaMs - (bookmarkAt - capturingSince))).toBeLessThan(1500);
  });
});
