/**
 * Measure 4 — recorder: K concurrent 720p30 recordings (K = 1, 2, 4) on the real stack
 * (livekit-server, the api and the recorder as their own processes, a libSQL file). Each
 * session's theatre is rtc-node publishing a moving 1280×720 picture at 30 fps whose frames carry
 * their number in pixels, in H.264 as the web theatre publishes. Per K:
 * - frames written ÷ frames sent: the frames theatre captured from the recorder's first written
 *   picture up to the moment theatre pressed stop, less those its own encoder skipped (WebRTC
 *   stats; on this box publishers and recorder share the cores), against the distinct numbers
 *   decoded from the finished case.mp4 (goal ≥ 0.999 for every recording);
 * - CPU cores per recorded stream: the recorder process and its ffmpeg children over the
 *   recording window, ÷ K (goal ≤ 1.0, the budget LiveKit's own egress plans for a composited
 *   track); livekit-server, the publishers and the whole machine beside it, since on a small box
 *   they all share the cores;
 * - seconds from stop to the case being ready, as the api reports it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Room, VideoCodec } from '@livekit/rtc-node';
import { createUser, migrateDb, openDb } from '@loupe/api';
import { startApiProcess, startLiveKit, startRecorderProcess, type LiveKit, type RunningApp } from '@loupe/stack';
import { readEventLog } from '../../recorder/src/event-log.ts';
import { NumberedPicture, frameNumbers, publishNumberedPicture, type NumberedPublisher } from '../../recorder/test/numbered-picture.ts';
import { signIn } from './local-api.ts';
import { cpuSeconds, machineBusySeconds, peakMemoryMiB, percentiles, treeCpuSeconds } from './stats.ts';

const RECORD_SECONDS = 20;
const WIDTH = 1280;
const HEIGHT = 720;
const GOAL = { frames_written_ratio: 0.999, cpu_cores_per_stream: 1.0 };
// What the web theatre asks of its browser (web/src/lib/room/publish-picture.ts), but one layer:
// the recorder takes the top one, and smaller layers would only take cores from the recorder here.
const PUBLISH = { videoCodec: VideoCodec.H264, simulcast: false, videoEncoding: { maxBitrate: 6_000_000n, maxFramerate: 30 } };

type Stack = {
  livekit: LiveKit;
  api: RunningApp;
  recorder: RunningApp;
  mediaDir: string;
  host: string;
  theatre: { email: string; cookie: string };
  stop(): Promise<void>;
};

/** livekit-server, the api and the recorder as their own processes on a new libSQL file, with a host and a theatre account. */
async function startStack(): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-recorder-'));
  const running: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const service of running.reverse()) await service.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const dbUrl = `file:${join(dir, 'loupe.db')}`;
    const { db, client } = await openDb(dbUrl);
    await migrateDb(db);
    const password = 'bench passphrase long enough';
    const host = await createUser(db, { email: 'host@bench.test', name: 'Bench Host', role: 'admin', password });
    const theatre = await createUser(db, { email: 'theatre@bench.test', name: 'Bench Theatre', role: 'surgeon', password });
    client.close();
    const livekit = await startLiveKit();
    running.push(livekit);
    const recorderToken = randomBytes(32).toString('hex');
    const mediaDir = join(dir, 'media');
    const api = await startApiProcess({ livekit, dbUrl, env: { LOUPE_RECORDER_TOKEN: recorderToken, LOUPE_MEDIA_DIR: mediaDir } });
    running.push(api);
    const recorder = await startRecorderProcess({ livekit, apiUrl: api.url, recorderToken, mediaDir });
    running.push(recorder);
    return {
      livekit,
      api,
      recorder,
      mediaDir,
      host: await signIn(api.url, host.email, password),
      theatre: { email: theatre.email, cookie: await signIn(api.url, theatre.email, password) },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** GET without a body, POST with one, as `cookie`. */
async function call<T>(stack: Stack, cookie: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.api.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

/** Waits for `check`, running `poll` before each look; fails with the recorder's output after `timeoutMs`. */
async function until(check: () => boolean, what: string, stack: Stack, timeoutMs = 30_000, poll?: () => Promise<void>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    await poll?.();
    if (check()) return;
    if (performance.now() > deadline) throw new Error(`${what} took over ${timeoutMs} ms\n${stack.recorder.service.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Theatre = { sessionId: string; room: Room; publisher: NumberedPublisher; recordingId?: string };

/** A live session whose theatre is in the room, publishing the picture. */
async function liveTheatre(stack: Stack, picture: NumberedPicture, n: number): Promise<Theatre> {
  const session = await call<{ id: string }>(stack, stack.host, '/sessions', {
    title: `Recorder bench ${n}`,
    procedure: 'Cholecystectomy',
    specialty: 'General surgery',
    scheduledAt: new Date().toISOString(),
  });
  await call(stack, stack.host, `/sessions/${session.id}/members`, { email: stack.theatre.email, role: 'theatre' });
  await call(stack, stack.host, `/sessions/${session.id}/start`, {});
  const { token, url } = await call<{ token: string; url: string }>(stack, stack.theatre.cookie, `/sessions/${session.id}/token`, {});
  const room = new Room();
  await room.connect(url, token, { autoSubscribe: false, dynacast: false });
  return { sessionId: session.id, room, publisher: await publishNumberedPicture(room, picture, { publish: PUBLISH }) };
}

/** Frames theatre's encoder has turned out so far (WebRTC outbound-rtp stats): fewer than captured when it ran short of CPU. */
async function framesEncoded(room: Room): Promise<number> {
  const { publisherStats } = await room.getRtcStats();
  return publisherStats.reduce((sum, s) => sum + (s.stats.case === 'outboundRtp' ? (s.stats.value.outbound?.framesEncoded ?? 0) : 0), 0);
}

/** What theatre sees of the recording: REC shows only once the recorder is capturing. */
function recordingState(room: Room): unknown {
  try {
    return (JSON.parse(room.metadata || '{}') as { recording?: unknown }).recording;
  } catch {
    return undefined;
  }
}

/**
 * Frames of one recording: `numbers` decoded from its case, frames 0 … sentBeforeStop − 1
 * captured, `notEncoded` of them skipped by theatre's encoder while recording.
 */
function countFrames(numbers: number[], sentBeforeStop: number, notEncoded: number) {
  // The recorder's first picture opens the window; theatre pressing stop closes it.
  const first = numbers[0] ?? sentBeforeStop;
  const last = sentBeforeStop - 1;
  const distinct = new Set(numbers);
  const inWindow = [...distinct].filter((n) => n >= first && n <= last).length;
  const lastWritten = Math.max(...numbers);
  let outOfOrder = 0;
  for (let i = 1; i < numbers.length; i++) if (numbers[i]! < numbers[i - 1]!) outOfOrder++;
  return {
    captured: last - first + 1,
    // Counted over the CPU window, a little shorter than this one: if anything, too few.
    theatre_not_encoded: notEncoded,
    sent: last - first + 1 - notEncoded,
    written: inWindow,
    // Lost while recording, and in the last moments before stop (still on their way at stop).
    missing_inside: Math.min(last, lastWritten) - first + 1 - [...distinct].filter((n) => n >= first && n <= Math.min(last, lastWritten)).length,
    missing_at_stop: Math.max(0, last - lastWritten),
    written_after_stop: [...distinct].filter((n) => n > last).length,
    // A picture written again because the next one had not arrived on time.
    repeated: numbers.length - distinct.size,
    // Should stay 0: a number read back wrong, or pictures written out of order.
    out_of_order: outOfOrder,
  };
}

/** Pictures the recorder received and did not write, from its log's stop event. */
function picturesShed(events: string): { shed_by_recorder: number; shed_for_clock: number } {
  const stop = readEventLog(events).find((e) => e.type === 'stop');
  const count = (v: unknown) => (typeof v === 'number' ? v : 0);
  return { shed_by_recorder: count(stop?.picturesShed), shed_for_clock: count(stop?.picturesShedForClock) };
}

/** CPU seconds so far of everything that shares the machine while recording. */
async function cpuNow(stack: Stack) {
  const recorderPid = stack.recorder.service.child.pid!;
  return {
    recorder: await treeCpuSeconds(recorderPid),
    recorder_node: await cpuSeconds(recorderPid),
    livekit_server: await cpuSeconds(stack.livekit.service.child.pid!),
    api: await cpuSeconds(stack.api.service.child.pid!),
    publishers: await cpuSeconds(process.pid),
    machine_busy: await machineBusySeconds(),
  };
}

/** Seconds from `stoppedAt` until the api says the session's case is ready. */
async function readyAfter(stack: Stack, t: Theatre, stoppedAt: number): Promise<number> {
  let status = '';
  await until(
    () => status === 'ready',
    `case of ${t.sessionId} becoming ready`,
    stack,
    120_000,
    async () => {
      status = (await call<{ status: string }>(stack, stack.host, `/sessions/${t.sessionId}/recording`)).status;
      if (status === 'failed') throw new Error(`recording of ${t.sessionId} failed\n${stack.recorder.service.output()}`);
    },
  );
  return (performance.now() - stoppedAt) / 1000;
}

/** Theatre starts recording, consent confirmed, in each session; resolves once every one shows REC. */
async function startRecording(stack: Stack, theatres: Theatre[]): Promise<void> {
  const consent = { consentOnFile: true, noIdentifiersInView: true };
  for (const t of theatres) {
    t.recordingId = (await call<{ id: string }>(stack, stack.theatre.cookie, `/sessions/${t.sessionId}/recording`, consent)).id;
  }
  await until(() => theatres.every((t) => recordingState(t.room) === 'recording'), `${theatres.length} recordings starting`, stack);
}

/** CPU used, and frames theatre's encoders skipped, over RECORD_SECONDS of recording. */
async function recordingWindow(stack: Stack, theatres: Theatre[]) {
  const encoded = () => Promise.all(theatres.map(async (t) => t.publisher.sent - (await framesEncoded(t.room))));
  const skippedBefore = await encoded();
  const before = await cpuNow(stack);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, RECORD_SECONDS * 1000));
  const after = await cpuNow(stack);
  const seconds = (performance.now() - started) / 1000;
  // Frames in the encoder at either end can make the difference −1: none skipped.
  const skipped = (await encoded()).map((s, i) => Math.max(0, s - skippedBefore[i]!));
  return { before, after, seconds, skipped };
}

/** Theatre presses stop in every session at once; the frames each had captured by then, and when. */
function stopRecording(stack: Stack, theatres: Theatre[]) {
  return Promise.all(
    theatres.map(async (t) => {
      const sentBeforeStop = t.publisher.sent;
      const stoppedAt = performance.now();
      await call(stack, stack.theatre.cookie, `/sessions/${t.sessionId}/recording/stop`, {});
      return { sentBeforeStop, stoppedAt };
    }),
  );
}

/** K sessions recorded at once for RECORD_SECONDS, stopped together, finalised, decoded and counted. */
async function recordAtOnce(stack: Stack, picture: NumberedPicture, k: number) {
  const theatres: Theatre[] = [];
  try {
    for (let i = 0; i < k; i++) theatres.push(await liveTheatre(stack, picture, i));
    await startRecording(stack, theatres);
    const window = await recordingWindow(stack, theatres);
    const stops = await stopRecording(stack, theatres);
    const ready = await Promise.all(theatres.map((t, i) => readyAfter(stack, t, stops[i]!.stoppedAt)));
    const frames = [];
    for (const [i, t] of theatres.entries()) {
      const video = join(stack.mediaDir, 'recordings', t.recordingId!, 'case.mp4');
      const counted = countFrames(await frameNumbers(video, WIDTH), stops[i]!.sentBeforeStop, window.skipped[i]!);
      frames.push({ ...counted, ...picturesShed(join(stack.mediaDir, 'recordings', t.recordingId!, 'events.jsonl')) });
    }
    const memory = await peakMemoryMiB(stack.recorder.service.child.pid!);
    return { ...summarise(k, frames, ready, window), recorder_peak_memory_mib: memory };
  } finally {
    for (const t of theatres) {
      await t.publisher.stop();
      await t.room.disconnect();
      await call(stack, stack.host, `/sessions/${t.sessionId}/end`, {});
    }
  }
}

function summarise(
  k: number,
  frames: (ReturnType<typeof countFrames> & ReturnType<typeof picturesShed>)[],
  readyAfter: number[],
  { before, after, seconds }: Awaited<ReturnType<typeof recordingWindow>>,
) {
  const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
  const cores = (key: keyof typeof before) => round((after[key] - before[key]) / seconds, 2);
  const total = (key: keyof (typeof frames)[number]) => frames.reduce((sum, f) => sum + f[key], 0);
  const worst = Math.min(...frames.map((f) => f.written / f.sent));
  const perStream = round(cores('recorder') / k, 2);
  const ready = percentiles(readyAfter.map((s) => round(s, 2)));
  return {
    streams: k,
    // The worst recording's share: the goal holds for every case, not on average.
    frames_written_ratio: round(worst, 4),
    cpu_cores_per_stream: perStream,
    ready_after_s: { p50: ready.p50, p95: ready.p95, max: Math.max(...readyAfter.map((s) => round(s, 2))), n: ready.n },
    recorded_s: round(seconds, 1),
    frames: {
      captured: total('captured'),
      theatre_not_encoded: total('theatre_not_encoded'),
      sent: total('sent'),
      written: total('written'),
      ratio_all_streams: round(total('written') / total('sent'), 4),
      written_of_captured: round(total('written') / total('captured'), 4),
      missing_inside: total('missing_inside'),
      missing_at_stop: total('missing_at_stop'),
      written_after_stop: total('written_after_stop'),
      repeated: total('repeated'),
      // Of the missing, those the recorder had and let go (its writer behind, or theatre's clock
      // fast); the rest never reached its JavaScript.
      shed_by_recorder: total('shed_by_recorder'),
      shed_for_clock: total('shed_for_clock'),
      out_of_order: total('out_of_order'),
    },
    // Cores used over the recording window. On a saturated machine the recorder's figures are a
    // floor: the encoding it could not do then waits in its memory and is done after stop.
    cpu_cores: {
      machine_saturated: cores('machine_busy') >= 0.95 * cpus().length,
      recorder: cores('recorder'),
      recorder_node: cores('recorder_node'),
      recorder_ffmpeg: round(cores('recorder') - cores('recorder_node'), 2),
      livekit_server: cores('livekit_server'),
      publishers: cores('publishers'),
      api: cores('api'),
      machine_busy: cores('machine_busy'),
    },
    n: k,
    goal: `every recording's frames written ÷ sent ≥ ${GOAL.frames_written_ratio}; ≤ ${GOAL.cpu_cores_per_stream} core per stream`,
    met: worst >= GOAL.frames_written_ratio && perStream <= GOAL.cpu_cores_per_stream,
  };
}

/** `streams`: how many recordings at once in each round. */
export async function measureRecorder(streams: number[]) {
  const picture = new NumberedPicture(WIDTH, HEIGHT, { moving: true });
  const stack = await startStack();
  try {
    const rounds: Record<string, Awaited<ReturnType<typeof recordAtOnce>> | { status: string; n: 0 }> = {};
    for (const k of streams) {
      console.log(`  ${k} recording${k > 1 ? 's' : ''} at once…`);
      // A round that fails (a case never ready) is reported as such; the rounds before it stand.
      rounds[`streams_${k}`] = await recordAtOnce(stack, picture, k).catch((err: Error) => {
        console.error(err);
        return { status: `failed: ${err.message.split('\n')[0]}`, n: 0 };
      });
    }
    const met = Object.values(rounds).flatMap((r) => ('met' in r && r.met ? [r.streams] : []));
    return {
      record_seconds: RECORD_SECONDS,
      ...rounds,
      // How many recordings at once this machine holds within every goal.
      streams_within_goal: Math.max(0, ...met),
      n: streams.reduce((a, b) => a + b, 0),
      goal: 'frames written ÷ sent ≥ 0.999 for every recording; ≤ 1.0 CPU core per recorded stream; seconds from stop to ready reported',
      met: met.length === streams.length,
    };
  } finally {
    await stack.stop();
  }
}
