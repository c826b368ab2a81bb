/**
 * Load: SESSIONS live sessions at once (20 unless LOUPE_LOAD_SESSIONS says otherwise) for MINUTES
 * (LOUPE_LOAD_MINUTES, 5) on the real stack: livekit-server, the api and the recorder as their own
 * processes, a libSQL file. Every session is set up through the api over HTTP, as its people
 * would: theatre publishing a moving picture whose frames carry their number (LOUPE_LOAD_PICTURE,
 * 1280x720@30), a mentor drawing a stroke a second, three observers, each their own account, all
 * headless rtc-node participants in one process per session (load-session.ts), at a lower
 * priority than the services; recording on from before the first stroke until after the last.
 *
 * It holds when every op each mentor sent reached theatre and each observer exactly once; every
 * case is ready with every op once in its annotation track and at least 98 % of the frames
 * theatre's encoder sent (fewer, and the replay stutters; frames theatre's own encoder drops for
 * want of CPU on this shared box are counted apart); the api and the recorder logged no error;
 * and the memory of the api, the recorder and livekit-server is flat (the last quarter of the run
 * within 15 % or 50 MiB of the second). The frame rates theatre's encoder and the observers kept,
 * and the CPU each part took, are printed beside it: they say where a larger N breaks.
 *
 * Run by `make load` (scripts/load.sh), not by `make test`: it takes minutes.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createUser, migrateDb, openDb } from '@loupe/api';
import type { GlobalRole, Recording, SessionRole } from '@loupe/protocol';
import {
  freePort,
  startApiProcess,
  startCluster,
  startLiveKit,
  startRecorderProcess,
  type Cluster,
  type LiveKit,
  type RunningApi,
  type RunningApp,
} from '@loupe/stack';
import { frameNumbers } from '../../recorder/test/numbered-picture.ts';
import { childMessages, type NextMessage } from '../src/child-messages.ts';
import { sleep } from '../src/fanout-receive.ts';
import { signIn } from '../src/local-api.ts';
import { coresBetween, cpuNow, problems, sampleMemory, summary, watchErrors, type Pids, type Run, type SessionOutcome } from './load-report.ts';
import type { FromSession, Picture, SessionReport, SessionStart, ToSession } from './load-session.ts';

const run = promisify(execFile);

const SESSIONS = Number(process.env.LOUPE_LOAD_SESSIONS ?? 20);
const MINUTES = Number(process.env.LOUPE_LOAD_MINUTES ?? 5);
const PICTURE = parsePicture(process.env.LOUPE_LOAD_PICTURE ?? '1280x720@30');
const OBSERVERS = 3;
// `make load CLUSTER=1`: the same load on the cluster `make cluster` runs (stack/src/cluster.ts).
const CLUSTER = process.env.LOUPE_LOAD_CLUSTER === '1';
const SAMPLE_MS = 10_000;
// Memory is flat when the last quarter of the run is within 15 % or 50 MiB of the second: a few
// dozen pictures in flight (a 720p one is 1.4 MB) move the recorder's by that much.
const MEMORY_GROWTH_LIMIT = { share: 0.15, mib: 50 };
const FRAMES_FLOOR = 0.98;
// Far past anything flat: a service this big is running away, and the machine with it.
const MEMORY_CAP_MIB = 4096;
// REC shows once the recorder writes a session's first frame; it joins the sessions one by one.
const RECORDING_MS = 180_000;
const READY_MS = 10 * 60_000;
const LEAVE_MS = 15_000;
const PASSWORD = 'a long enough load-test passphrase';

function parsePicture(text: string): Picture {
  const m = /^(\d+)x(\d+)@(\d+)$/.exec(text);
  // The frame number (numbered-picture.ts) takes the top 624 pixels of a row.
  if (!m || Number(m[1]) < 640) throw new Error(`LOUPE_LOAD_PICTURE must look like 1280x720@30, at least 640 wide, not ${text}`);
  return { width: Number(m[1]), height: Number(m[2]), fps: Number(m[3]) };
}

let dir: string;
let mediaDir: string;
let livekits: LiveKit[];
let apis: RunningApi[];
let recorders: RunningApp[];
let cluster: Cluster | null = null;
let logs: { api: ReturnType<typeof watchErrors>; recorder: ReturnType<typeof watchErrors> };
let admin: string;

/** Sessions' processes not yet exited (each also exits by itself if this process goes). */
const running = new Set<ChildProcess>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-load-'));
  mediaDir = join(dir, 'media');
  const dbUrl = `file:${join(dir, 'loupe.db')}`;
  const { db, client } = await openDb(dbUrl);
  await migrateDb(db);
  // The first admin is made in the database, as an operator would; every other account through the api.
  await createUser(db, { email: 'admin@load.test', name: 'Load Admin', role: 'admin', password: PASSWORD });
  client.close();
  const recorderToken = randomBytes(32).toString('hex');
  if (CLUSTER) {
    cluster = await startCluster({ dbUrl, mediaDir, recorderToken });
    ({ nodes: livekits, apis, recorders } = cluster);
  } else {
    // livekit-server posts its webhooks to the api, as `make start` wires them.
    const apiPort = await freePort();
    const livekit = await startLiveKit({ webhookUrls: [`http://127.0.0.1:${apiPort}/webhooks/livekit`] });
    livekits = [livekit];
    apis = [await startApiProcess({ livekit, dbUrl, port: apiPort, env: { LOUPE_RECORDER_TOKEN: recorderToken, LOUPE_MEDIA_DIR: mediaDir } })];
    recorders = [await startRecorderProcess({ livekit, apiUrl: apis[0]!.url, recorderToken, mediaDir })];
  }
  logs = { api: watchErrors(...apis.map((a) => a.service.child)), recorder: watchErrors(...recorders.map((r) => r.service.child)) };
  admin = await signIn(apis[0]!.url, 'admin@load.test', PASSWORD);
}, 120_000);

afterAll(async () => {
  await Promise.all([...running].map((child) => leave(child)));
  if (cluster) await cluster.stop();
  else for (const service of [...(recorders ?? []), ...(apis ?? []), ...(livekits ?? [])]) await service.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

/** What the services last wrote, and whether they are still running: for a failed run. */
function servicesState(): string {
  return [...apis, ...recorders, ...livekits]
    .map(({ service: s }) => s)
    .map((s) => `--- ${s.name} (${s.child.exitCode ?? s.child.signalCode ?? 'running'}):\n${s.output().slice(-3000)}`)
    .join('\n');
}

let calls = 0;

/** GET without a body, POST with one, as `cookie`; in a cluster, to each api in turn. */
async function call<T>(path: string, cookie: string, body?: unknown): Promise<T> {
  const api = apis[calls++ % apis.length]!;
  const res = await fetch(`${api.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

/** An account the admin makes over HTTP, signed in. */
async function person(role: GlobalRole, name: string): Promise<{ email: string; cookie: string }> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}@load.test`;
  await call('/users', admin, { email, name, role, password: PASSWORD });
  return { email, cookie: await signIn(apis[0]!.url, email, PASSWORD) };
}

type SessionProcess = {
  child: ChildProcess;
  next: NextMessage<FromSession>;
  send(type: ToSession['type']): void;
};

/** Starts the process holding one session's participants; its messages are read in order with `next`. */
function startSessionProcess(start: SessionStart): SessionProcess {
  const child = fork(join(import.meta.dirname, 'load-session.ts'), {
    // The participants stand for people's own machines: on this one, at a lower priority than the
    // services under test, so that they take what CPU the services leave rather than starve them.
    execPath: 'nice',
    execArgv: ['-n', '10', process.execPath],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // rtc-node logs every connect at debug level unless in production.
    env: { ...process.env, NODE_ENV: 'production', LOUPE_LOAD_SESSION: JSON.stringify(start) },
  });
  running.add(child);
  void once(child, 'exit').then(() => running.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return {
    child,
    next: childMessages<FromSession>(child, 'session process', () => output),
    send: (type) => child.send({ type } satisfies ToSession),
  };
}

/** Lets a session's process leave its rooms and exit by itself, killing it after a while. */
async function leave(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // A process on its way out may have closed its channel already: it exits all the same.
  if (child.connected) child.send({ type: 'leave' } satisfies ToSession, () => undefined);
  const timer = setTimeout(() => child.kill('SIGKILL'), LEAVE_MS);
  await exited;
  clearTimeout(timer);
}

type Live = { sessionId: string; host: string; theatre: string; process: SessionProcess; recordingId: string };

/** Session `i`, scheduled, staffed and started through the api, its five people connected. */
async function openSession(i: number): Promise<Omit<Live, 'recordingId'>> {
  const host = await person('surgeon', `Host ${i}`);
  const theatre = await person('surgeon', `Theatre ${i}`);
  const mentor = await person('mentor', `Mentor ${i}`);
  const observers = [];
  for (let o = 1; o <= OBSERVERS; o++) observers.push(await person('trainee', `Observer ${i} ${o}`));
  const session = await call<{ id: string }>('/sessions', host.cookie, {
    title: `Load ${i}`,
    procedure: 'Cholecystectomy',
    specialty: 'General surgery',
    scheduledAt: new Date().toISOString(),
  });
  const invite = (who: { email: string }, role: SessionRole) => call(`/sessions/${session.id}/members`, host.cookie, { email: who.email, role });
  await invite(theatre, 'theatre');
  await invite(mentor, 'mentor');
  for (const o of observers) await invite(o, 'observer');
  await call(`/sessions/${session.id}/start`, host.cookie, {});
  const token = (who: { cookie: string }) => call<{ token: string; url: string }>(`/sessions/${session.id}/token`, who.cookie, {});
  const theatreToken = await token(theatre);
  const participants = startSessionProcess({
    url: theatreToken.url,
    theatre: theatreToken.token,
    mentor: (await token(mentor)).token,
    observers: await Promise.all(observers.map(async (o) => (await token(o)).token)),
    picture: PICTURE,
  });
  await participants.next('ready');
  return { sessionId: session.id, host: host.cookie, theatre: theatre.cookie, process: participants };
}

/** The recording once the recorder has finished it (ready or failed), and how long after `since` that was. */
async function finished(live: Live, since: number): Promise<Recording & { afterS: number }> {
  for (const deadline = performance.now() + READY_MS; performance.now() < deadline; await sleep(500)) {
    const recording = await call<Recording>(`/sessions/${live.sessionId}/recording`, live.host);
    if (recording.status === 'ready' || recording.status === 'failed') return { ...recording, afterS: (performance.now() - since) / 1000 };
  }
  throw new Error(`the recording of session ${live.sessionId} was not finished within ${READY_MS} ms`);
}

/** The mentor's ops in a case's annotation track, counted against what the mentor sent. */
async function opsInCase(recordingId: string, report: SessionReport) {
  const track = JSON.parse(await readFile(join(mediaDir, 'recordings', recordingId, 'annotations.json'), 'utf8')) as {
    events: { type: string; from?: string; snapshot?: boolean; op?: { seq: number } }[];
  };
  const seqs = track.events.filter((e) => e.type === 'op' && e.from === report.mentor && !e.snapshot).map((e) => e.op!.seq);
  const distinct = new Set(seqs);
  return { logged: distinct.size, missing: report.sent.filter((seq) => !distinct.has(seq)).length, duplicates: seqs.length - distinct.size };
}

/**
 * How many of the frames theatre captured while the mentor drew (`captured`) are in the case,
 * read back from the numbers in its pixels; null when the case is smaller than the picture
 * (theatre's encoder scaled it down, and the numbers cannot be read).
 */
async function framesInCase(recordingId: string, [from, to]: [number, number]): Promise<number | null> {
  const video = join(mediaDir, 'recordings', recordingId, 'case.mp4');
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width', '-of', 'csv=p=0', video]);
  if (Number(stdout.trim()) !== PICTURE.width) return null;
  return new Set((await frameNumbers(video, PICTURE.width)).filter((n) => n >= from && n < to)).size;
}

/** Bytes of a finished recording's folder, and its case video's length in seconds. */
async function diskOf(recordingId: string): Promise<{ bytes: number; seconds: number }> {
  const folder = join(mediaDir, 'recordings', recordingId);
  const { stdout: du } = await run('du', ['-sb', folder]);
  const { stdout: duration } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', join(folder, 'case.mp4')]);
  return { bytes: Number(du.split('\t')[0]), seconds: Number(duration.trim()) };
}

/** `promise`, or an error saying what did not happen within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Every session open and recording (REC showing in each), or an error saying what did not happen. */
async function openAll(memory: ReturnType<typeof sampleMemory>, opened: Omit<Live, 'recordingId'>[]): Promise<Live[]> {
  const consent = { consentOnFile: true, noIdentifiersInView: true };
  const lives: Live[] = [];
  for (const o of opened) lives.push({ ...o, recordingId: (await call<Recording>(`/sessions/${o.sessionId}/recording`, o.theatre, consent)).id });
  const runningAway = memory.runaway.then((what) => Promise.reject(new Error(what)));
  const shown = Promise.all(lives.map((l) => l.process.next('recording')));
  await within(Promise.race([shown, runningAway]), RECORDING_MS, 'REC to show in every session');
  return lives;
}

/** The mentors stop; recording stops; what each session's people received and its case holds. */
async function finishAll(lives: Live[]): Promise<SessionOutcome[]> {
  for (const l of lives) l.process.send('finish');
  const reports = await Promise.all(lives.map(async (l) => (await l.process.next('done')).report));
  const stoppedAt = performance.now();
  for (const l of lives) await call(`/sessions/${l.sessionId}/recording/stop`, l.theatre, {});
  const recordings = await Promise.all(lives.map((l) => finished(l, stoppedAt)));
  const outcomes: SessionOutcome[] = [];
  for (const [i, l] of lives.entries()) {
    const [report, recording] = [reports[i]!, recordings[i]!];
    const ready = recording.status === 'ready';
    outcomes.push({
      report,
      recording,
      inCase: ready ? await opsInCase(l.recordingId, report) : null,
      framesInCase: ready ? await framesInCase(l.recordingId, report.captured) : null,
      disk: ready ? await diskOf(l.recordingId) : null,
    });
  }
  for (const l of lives) await leave(l.process.child);
  for (const l of lives) await call(`/sessions/${l.sessionId}/end`, l.host, {});
  return outcomes;
}

describe('load', () => {
  it(
    `holds ${SESSIONS} recorded live sessions (theatre ${PICTURE.width}x${PICTURE.height}@${PICTURE.fps}, a mentor drawing, ${OBSERVERS} observers) for ${MINUTES} min: every op delivered once, every case ready with every op and its frames, no errors, memory flat`,
    async () => {
      onTestFailed(() => console.log(servicesState()));
      const setupStarted = performance.now();
      const opened: Omit<Live, 'recordingId'>[] = [];
      // One at a time: a hundred rooms connecting at once time out on this machine.
      for (let i = 1; i <= SESSIONS; i++) opened.push(await openSession(i));
      const pids: Pids = {
        api: apis.map((a) => a.service.child.pid!),
        recorder: recorders.map((r) => r.service.child.pid!),
        livekit: livekits.map((l) => l.service.child.pid!),
        participants: opened.map((o) => o.process.child.pid!),
      };
      // Watched from the first recording asked for: the recorder's memory while it joins the sessions too.
      const memory = sampleMemory(pids, SAMPLE_MS, MEMORY_CAP_MIB);
      const lives = await openAll(memory, opened);
      console.log(`${SESSIONS} sessions connected and recording after ${Math.round((performance.now() - setupStarted) / 1000)} s`);

      const cpuBefore = await cpuNow(pids);
      const runaway = await Promise.race([sleep(MINUTES * 60_000).then(() => null), memory.runaway]);
      const cores = coresBetween(cpuBefore, await cpuNow(pids));
      const series = await memory.stop();
      const run: Run = { picture: PICTURE, minutes: MINUTES, observers: OBSERVERS, sessions: await finishAll(lives), series, cores, logs, runaway };
      console.log(summary(run));
      expect(problems(run, { framesFloor: FRAMES_FLOOR, memoryGrowth: MEMORY_GROWTH_LIMIT })).toEqual([]);
    },
    (SESSIONS * 60 + MINUTES * 60 + 1200) * 1000,
  );
});
