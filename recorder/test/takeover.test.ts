/**
 * Two recorder workers share one api, one livekit-server and one media directory, all real
 * processes, with 3-second leases. The worker recording a session is paused (SIGSTOP) or killed
 * (SIGKILL) mid-recording: the other takes the recording over once the lease lapses, and the
 * case comes out as one timeline with the gap marked and every drawing in it. A paused worker
 * that resumes finds it lost the lease and writes nothing more.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RoomEvent, dispose } from '@livekit/rtc-node';
import { afterAll, afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { ANNOTATION_VERSION, CaseTrack, TOPICS } from '@loupe/protocol';
import type { RunningApp } from '@loupe/stack';
import { readEventLog } from '../src/event-log.ts';
import { recordingPaths } from '../src/media/recording-files.ts';
import { NumberedPicture, frameNumbers } from './numbered-picture.ts';
import { arrowOp, startRecordedSession, type RecordedSession } from './recorded-session.ts';

const run = promisify(execFile);
const LEASE = { LOUPE_RECORDING_LEASE_SECONDS: '3' };

const running: { live: RecordedSession; dir: string; paused: number[] }[] = [];

afterEach(async () => {
  for (const { live, dir, paused } of running.splice(0)) {
    // A worker left paused by a failed test is resumed so that it can be stopped.
    for (const pid of paused) process.kill(pid, 'SIGCONT');
    await live.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

afterAll(() => dispose());

/** Files under `dir` that process `pid` holds open. */
function filesOpenUnder(pid: number, dir: string): string[] {
  const fds = `/proc/${pid}/fd`;
  return readdirSync(fds)
    .map((fd) => {
      try {
        return readlinkSync(join(fds, fd));
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(dir));
}

/** The commands of `pid`'s child processes (ffmpeg encoders, for a recorder). */
function childrenOf(pid: number): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat)!;
        return Number(rest!.split(' ')[1]) === pid ? [comm!] : [];
      } catch {
        return [];
      }
    });
}

/**
 * A recorded session with a mentor who draws and answers the recorder's requests for the
 * overlay, recorded by worker-a; worker-b is started once worker-a captures.
 */
async function takeoverSession(title: string) {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-takeover-'));
  const mediaDir = join(dir, 'media');
  const live = await startRecordedSession({
    dir,
    mediaDir,
    title,
    picture: new NumberedPicture(640, 360),
    mentor: true,
    apiEnv: LEASE,
    recorderEnv: { LOUPE_RECORDER_ID: 'worker-a' },
  });
  const entry = { live, dir, paused: [] as number[] };
  running.push(entry);
  onTestFailed(() => console.log(live.logs()));
  const mentor = live.mentor!;
  const drawn: string[] = [];
  const draw = async (name: string) => {
    const op = arrowOp({ id: name, author: mentor.id, seq: drawn.length });
    drawn.push(name);
    ops.push(op);
    await mentor.room.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(op)), { reliable: true, topic: TOPICS.ops });
  };
  // The mentor's page answers a request for the overlay with everything it drew, as the web app does.
  const ops: object[] = [];
  mentor.room.on(RoomEvent.DataReceived, (payload, participant, _kind, topic) => {
    if (topic !== TOPICS.resync || participant) return;
    const { requester } = JSON.parse(new TextDecoder().decode(payload)) as { requester: string };
    const snapshot = JSON.stringify({ v: ANNOTATION_VERSION, kind: 'snapshot', ops });
    void mentor.room.localParticipant!.sendText(snapshot, { topic: TOPICS.snapshot, destinationIdentities: [requester] });
  });

  const recording = await live.startRecording();
  await expect.poll(live.recState, { timeout: 30_000 }).toBe('recording');
  const paths = recordingPaths(mediaDir, recording.id);
  const log = () => readEventLog(paths.events);
  const loggedOps = () => log().flatMap((e) => (e.type === 'op' ? [(e.op as { id: string }).id] : []));
  const picturesSent = async (frames: number) => {
    const from = live.publisher.sent;
    await expect.poll(() => live.publisher.sent, { timeout: 30_000 }).toBeGreaterThanOrEqual(from + frames);
  };
  const segments = () => readdirSync(paths.segments).length;
  /** Until `more` segments beyond those there now have been opened: all but the last are whole. */
  const segmentsWritten = async (more: number) => {
    const from = segments();
    await expect.poll(segments, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(from + more);
  };
  const workerB = await live.startWorker({ LOUPE_RECORDER_ID: 'worker-b' });
  /** Who wrote the recording, in order: worker and lease epoch of each start or resumption. */
  const writers = () => log().flatMap((e) => (e.type === 'start' || e.type === 'gap' ? [e.writer as { worker: string; epoch: number }] : []));
  return { live, entry, paths, draw, drawn, loggedOps, picturesSent, segmentsWritten, workerA: live.recorder, workerB, writers, log };
}

/** The case once the recording is stopped and finished: its track, and the theatre frame numbers of its video. */
async function finishedCase(live: RecordedSession, paths: ReturnType<typeof recordingPaths>) {
  await live.stopRecording();
  await expect.poll(async () => (await live.recording()).status, { timeout: 60_000, interval: 250 }).toBe('ready');
  const video = join(paths.dir, 'case.mp4');
  expect((await run('ffmpeg', ['-v', 'error', '-i', video, '-f', 'null', '-'])).stderr).toBe('');
  const track = CaseTrack.parse(JSON.parse(await readFile(join(paths.dir, 'annotations.json'), 'utf8')));
  return { track, numbers: await frameNumbers(video, 640) };
}

const pid = (w: RunningApp) => w.service.child.pid!;

describe('recorder workers with leases', () => {
  it('a worker paused past its lease is taken over; resumed, it stops writing, and the case is one timeline with the gap marked and every op', async () => {
    const s = await takeoverSession('Paused worker');
    // worker-a has finished a segment: part of the case is its.
    await s.segmentsWritten(2);
    await s.draw('before');
    await expect.poll(s.loggedOps, { timeout: 10_000, interval: 100 }).toContain('before');

    process.kill(pid(s.workerA), 'SIGSTOP');
    s.entry.paused.push(pid(s.workerA));
    const pausedAt = Date.now();
    const lastBefore = s.live.publisher.sent;
    // Drawn while nobody records: the worker taking over gets it from the mentor's overlay.
    await s.draw('during');
    await expect.poll(() => s.writers().at(-1)?.worker, { timeout: 20_000, interval: 100 }).toBe('worker-b');
    const gap = s.log().findLast((e) => e.type === 'gap')!;
    console.log(`worker-b took the recording over ${gap.at - pausedAt} ms after worker-a was paused (leases of 3 s)`);
    // worker-b finishes a segment of its own before worker-a wakes up.
    await s.segmentsWritten(2);

    process.kill(pid(s.workerA), 'SIGCONT');
    s.entry.paused.pop();
    // Its own clock tells it first (its timers run before the api's answer is read): it stops
    // before another write, not after its next poll.
    await expect.poll(() => s.workerA.service.output(), { timeout: 10_000, interval: 100 }).toMatch(/lease lost; stopped writing/);
    // worker-a holds no file of the recording open and has no encoder left: it cannot write.
    expect(filesOpenUnder(pid(s.workerA), s.paths.dir)).toEqual([]);
    expect(childrenOf(pid(s.workerA))).not.toContain('ffmpeg');
    expect(s.workerA.service.child.exitCode).toBeNull();

    await s.draw('after');
    await expect.poll(s.loggedOps, { timeout: 10_000, interval: 100 }).toContain('after');
    await s.picturesSent(60);
    // Written by worker-a, then worker-b under the next epoch; nobody else, and worker-a never again.
    expect(s.writers()).toEqual([
      { worker: 'worker-a', epoch: 1 },
      { worker: 'worker-b', epoch: 2 },
    ]);
    const { track, numbers } = await finishedCase(s.live, s.paths);
    expect(s.workerB.service.output()).toMatch(/ready/);
    expect(s.workerA.service.output()).not.toMatch(/ready/);
    const ids = track.events.flatMap((e) => (e.type === 'op' && e.op ? [e.op.id] : []));
    expect(new Set(ids)).toEqual(new Set(['before', 'during', 'after']));
    const marked = track.gaps.filter((g) => g.kind === 'restart');
    expect(marked).toHaveLength(1);
    expect(marked[0]!.ms).toBeGreaterThan(0);
    // One timeline: theatre's pictures in order, none from the pause, a jump where the gap is.
    expect(numbers.every((n, i) => i === 0 || n >= numbers[i - 1]!)).toBe(true);
    const jump = numbers.findIndex((n, i) => i > 0 && n - numbers[i - 1]! > 30);
    expect(jump).toBeGreaterThan(0);
    expect(numbers[jump - 1]).toBeLessThanOrEqual(lastBefore);
    expect(numbers.length - jump).toBeGreaterThan(60);
  }, 180_000);

  it('a worker killed mid-recording is taken over within the lease time; the case keeps what it wrote, marks the gap and has every op', async () => {
    const s = await takeoverSession('Killed worker');
    await s.segmentsWritten(2);
    await s.draw('before');
    await expect.poll(s.loggedOps, { timeout: 10_000, interval: 100 }).toContain('before');
    const killedAtFrame = s.live.publisher.sent;
    await s.workerA.service.kill();
    const killedAt = Date.now();
    await expect.poll(() => s.writers().at(-1)?.worker, { timeout: 20_000, interval: 100 }).toBe('worker-b');
    const gap = s.log().findLast((e) => e.type === 'gap')!;
    console.log(`worker-b took the recording over ${gap.at - killedAt} ms after worker-a was killed (leases of 3 s); ${gap.lostMs} ms marked lost`);
    await s.draw('after');
    await expect.poll(s.loggedOps, { timeout: 10_000, interval: 100 }).toContain('after');
    await s.picturesSent(60);
    const { track, numbers } = await finishedCase(s.live, s.paths);
    const ids = track.events.flatMap((e) => (e.type === 'op' && e.op ? [e.op.id] : []));
    expect(new Set(ids)).toEqual(new Set(['before', 'after']));
    expect(track.gaps.filter((g) => g.kind === 'restart')).toHaveLength(1);
    expect(numbers.every((n, i) => i === 0 || n >= numbers[i - 1]!)).toBe(true);
    // At most one segment (2 s) of what worker-a had seen is lost: ffmpeg finishes its segment when its pipe closes.
    const jump = numbers.findIndex((n, i) => i > 0 && n - numbers[i - 1]! > 30);
    expect(killedAtFrame - numbers[jump - 1]!).toBeLessThanOrEqual(2 * 30 + 3);
    expect(s.writers().map((w) => w.worker)).toEqual(['worker-a', 'worker-b']);
  }, 180_000);
});
