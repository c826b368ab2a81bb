/**
 * The recorder end to end: real livekit-server, the real api over HTTP, a theatre publishing a
 * picture whose frames carry their number in pixels, a mentor who draws when they see given
 * frames, and the recorder worker turning it into a case that ffmpeg can decode.
 */
import { execFile } from 'node:child_process';
import type { Server as HttpServer } from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServerType } from '@hono/node-server';
import { Room, RoomEvent, TrackKind, VideoBufferType, VideoStream, dispose } from '@livekit/rtc-node';
import { MediaStore } from '@loupe/media-store';
import { createApp, createUser, livekitRooms, migrateDb, openDb, parseApiConfig } from '@loupe/api';
import { ANNOTATION_VERSION, CaseTrack, stillMoments, type GlobalRole } from '@loupe/protocol';
import { ROOT, freePort, spawnService, startLiveKit, type LiveKit, type Service } from '@loupe/stack';
import { finalise } from '../src/finalise.ts';
import { recordingPaths } from '../src/media/recording-files.ts';
import { readEventLog } from '../src/event-log.ts';
import { apiAs, ok } from './api-client.ts';
import { NumberedPicture, publishNumberedPicture, readNumber, type NumberedPublisher } from './numbered-picture.ts';
import { arrowOp, CONSENT } from './recorded-session.ts';
import { contentDigest, sectorPng } from '../../api/test/stills.ts';

const run = promisify(execFile);
const W = 640;
const H = 360;
const RECORDER_TOKEN = 'recorder-token-for-the-recording-test-0123';

let livekit: LiveKit;
let server: ServerType;
let startApi: () => void;
let apiUrl: string;
let mediaDir: string;
let dir: string;
let recorder: Service;
let recorderEnv: Record<string, string>;
const rooms: Room[] = [];
const publishers: NumberedPublisher[] = [];
const cleanups: (() => void)[] = [];

/** The api as the person holding `cookie`. */
const as = (cookie: string) => apiAs(apiUrl, cookie);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-recorder-'));
  mediaDir = join(dir, 'media');
  livekit = await startLiveKit();
  const config = parseApiConfig({
    LOUPE_DB_URL: `file:${join(dir, 'loupe.db')}`,
    LIVEKIT_URL: livekit.httpUrl,
    LIVEKIT_PUBLIC_URL: livekit.wsUrl,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
    LOUPE_RECORDER_TOKEN: RECORDER_TOKEN,
  });
  const { db, client } = await openDb(config.db.url);
  cleanups.push(() => client.close());
  await migrateDb(db);
  const media = new MediaStore({ dir: config.mediaDir, s3: null });
  const app = createApp({ db, config, media, rooms: livekitRooms(livekit.httpUrl, livekit.apiKey, livekit.apiSecret) });
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  startApi = () => (server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }));
  startApi();
  (globalThis as { createTestUser?: unknown }).createTestUser = (role: GlobalRole, name: string) =>
    createUser(db, { email: `${name.replace(/\W/g, '').toLowerCase()}@hospital.test`, name, role, password: 'a long enough passphrase' });

  recorderEnv = {
    LOUPE_API_URL: apiUrl,
    LOUPE_RECORDER_TOKEN: RECORDER_TOKEN,
    LIVEKIT_URL: livekit.httpUrl,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
    LOUPE_MEDIA_DIR: mediaDir,
    LOUPE_RECORDER_POLL_MS: '200',
    // A supervised restart under the same name: it renews its leases and carries on at once,
    // rather than waiting for them to lapse as another worker would (recorder/test/takeover.test.ts).
    LOUPE_RECORDER_ID: 'recording-test-worker',
  };
  recorder = startRecorder();
});

/** The recorder service as its own process, as in production. */
function startRecorder(): Service {
  return spawnService('recorder', process.execPath, ['src/main.ts'], { cwd: join(ROOT, 'recorder'), env: recorderEnv });
}

afterAll(async () => {
  await recorder?.stop();
  for (const publisher of publishers) await publisher.stop();
  for (const room of rooms) await room.disconnect().catch(() => undefined);
  await dispose();
  server?.close();
  cleanups.forEach((c) => c());
  await livekit?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function signIn(role: GlobalRole, name: string): Promise<{ id: string; email: string; cookie: string }> {
  const make = (globalThis as { createTestUser?: (r: GlobalRole, n: string) => Promise<{ id: string; email: string }> }).createTestUser!;
  const user = await make(role, name);
  const res = await fetch(`${apiUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: 'a long enough passphrase' }),
  });
  return { ...user, cookie: /loupe_session=[^;]+/.exec(res.headers.get('set-cookie')!)![0] };
}

async function joinRoom(sessionId: string, cookie: string): Promise<Room> {
  const { token, url } = await ok(as(cookie).sessions[':id'].token.$post({ param: { id: sessionId }, query: {} }));
  const room = new Room();
  rooms.push(room);
  await room.connect(url, token, { autoSubscribe: true, dynacast: false });
  return room;
}

/**
 * A live session with theatre publishing 30 numbered frames a second and a mentor who draws
 * an arrow each time the picture they see passes another `every` frames after `armed` is set.
 */
async function mentoredSession(tag: string) {
  const host = await signIn('surgeon', `Host ${tag}`);
  const theatre = await signIn('surgeon', `Theatre ${tag}`);
  const mentor = await signIn('mentor', `Mentor ${tag}`);
  const api = as(host.cookie);
  const session = await ok(
    api.sessions.$post({
      json: { title: `Recorded case ${tag}`, procedure: 'Cholecystectomy', specialty: 'General surgery', scheduledAt: new Date().toISOString() },
    }),
  );
  const param = { id: session.id };
  await ok(api.sessions[':id'].members.$post({ param, json: { email: theatre.email, role: 'theatre' } }));
  await ok(api.sessions[':id'].members.$post({ param, json: { email: mentor.email, role: 'mentor' } }));
  await ok(api.sessions[':id'].start.$post({ param }));

  const publisher = await publishNumberedPicture(await joinRoom(session.id, theatre.cookie), new NumberedPicture(W, H));
  publishers.push(publisher);
  const state = {
    get sent() {
      return publisher.sent;
    },
    /** The frame number the mentor sees now. */
    seen: 0,
    armedAt: null as number | null,
    every: 45,
    max: 3,
    drawn: [] as number[],
  };

  const mentorRoom = await joinRoom(session.id, mentor.cookie);
  mentorRoom.on(RoomEvent.TrackSubscribed, (t) => {
    if (t.kind !== TrackKind.KIND_VIDEO) return;
    void (async () => {
      for await (const { frame } of new VideoStream(t)) {
        const n = readNumber(frame.convert(VideoBufferType.I420).data, frame.width);
        state.seen = n;
        if (state.armedAt === null || state.drawn.length >= state.max) continue;
        if (n < state.armedAt + state.every * (state.drawn.length + 1)) continue;
        const op = arrowOp({ id: `op${n}`, author: mentor.id, seq: state.drawn.length, frame: { media: n / 30, presented: n } });
        await mentorRoom.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(op)), { reliable: true, topic: 'loupe.ops' });
        state.drawn.push(n);
      }
    })();
  });
  const until = (check: () => boolean) => expect.poll(check, { timeout: 30_000, interval: 50 }).toBe(true);
  const recording = {
    start: () => ok(as(theatre.cookie).sessions[':id'].recording.$post({ param, json: CONSENT })),
    stop: () => ok(as(theatre.cookie).sessions[':id'].recording.stop.$post({ param })),
    /** Once the recorder has finished it: `ready` or `failed`. */
    finished: () =>
      expect.poll(async () => (await ok(api.sessions[':id'].recording.$get({ param }))).status, { timeout: 60_000, interval: 200 }).toMatch(/^(ready|failed)$/),
    status: async () => (await ok(api.sessions[':id'].recording.$get({ param }))).status,
  };
  return { host, theatre, mentor, mentorRoom, session, state, until, recording };
}

/** The ids of the ops the recorder has logged so far for `recordingId`. */
const loggedOps = (recordingId: string) =>
  readEventLog(recordingPaths(mediaDir, recordingId).events)
    .filter((e) => e.type === 'op')
    .map((e) => (e.op as { id: string }).id);

/** How many times the recorder has said it could not reach the api. */
const failedPolls = () =>
  recorder
    .output()
    .split('\n')
    .filter((line) => line.includes('in a row failed')).length;

/** The number drawn in the frame of `video` shown at `ms`. */
async function frameNumberAt(video: string, ms: number): Promise<number> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', video, '-ss', String(ms / 1000), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], {
    encoding: 'buffer',
    maxBuffer: 8 * 1024 * 1024,
  });
  return readNumber(new Uint8Array(stdout), W);
}

describe('recording a mentored session', () => {
  it('records two sessions at once through an api restart; each case decodes, lasts as long as it was recorded, and puts each drawing within two frames of the one the mentor saw', async () => {
    const { state, until, recording: one } = await mentoredSession('one');
    // A second session records at the same time, in the same recorder.
    const other = await mentoredSession('one-b');
    await until(() => state.sent > 30 && other.state.sent > 30);
    const startedAt = Date.now();
    const recording = await one.start();
    const otherRecording = await other.recording.start();
    state.armedAt = state.sent;
    await until(() => state.drawn.length === 1);
    // The api goes away until the recorder has found it gone, and comes back: the recording
    // carries on regardless.
    const failedBefore = failedPolls();
    (server as HttpServer).closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect.poll(failedPolls, { timeout: 10_000, interval: 100 }).toBeGreaterThan(failedBefore);
    startApi();
    await until(() => state.drawn.length === 3);
    // Stopped once the recorder has logged the last drawing.
    await expect.poll(() => loggedOps(recording.id), { timeout: 10_000, interval: 100 }).toContain(`op${state.drawn[2]}`);
    // A second of pictures after the last drawing, so that the case has the frame it lands on:
    // stopped at once, the drawing could fall on the case's very end, past its last frame.
    const sentAtLastOp = state.sent;
    await until(() => state.sent >= sentAtLastOp + 30);
    await one.stop();
    await other.recording.stop();
    const wallMs = Date.now() - startedAt;
    await one.finished();
    await other.recording.finished();
    expect(await one.status()).toBe('ready');
    expect(await other.recording.status()).toBe('ready');
    console.log(`both cases ready ${Date.now() - startedAt - wallMs} ms after stop`);
    const otherVideo = join(mediaDir, 'recordings', otherRecording.id, 'case.mp4');
    expect((await run('ffmpeg', ['-v', 'error', '-i', otherVideo, '-f', 'null', '-'])).stderr).toBe('');

    const caseDir = join(mediaDir, 'recordings', recording.id);
    const video = join(caseDir, 'case.mp4');
    // Decodes cleanly, with H.264 video and AAC sound.
    const decode = await run('ffmpeg', ['-v', 'error', '-i', video, '-f', 'null', '-']);
    expect(decode.stderr).toBe('');
    const streams = (await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', video])).stdout;
    expect(streams.split('\n').filter(Boolean).sort()).toEqual(['aac', 'h264']);

    const track$ = JSON.parse(await readFile(join(caseDir, 'annotations.json'), 'utf8'));
    const stop = track$.events.find((e: { type: string }) => e.type === 'stop');
    expect(track$.events.some((e: { type: string }) => e.type === 'gap')).toBe(false);
    expect(Math.abs(track$.durationMs - stop.mediaMs)).toBeLessThanOrEqual(100);
    // The recorder joins after the api says start: the case is a little shorter than the wall time.
    expect(track$.durationMs).toBeGreaterThan(wallMs - 2500);
    expect(track$.durationMs).toBeLessThanOrEqual(wallMs + 100);

    // A poster and a thumbnail strip for the timeline.
    expect((await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=width', '-of', 'csv=p=0', join(caseDir, 'thumbnails.jpg')])).stdout.trim()).toBe(
      String(192 * 10),
    );
    // Finalising again gives the same case.
    const again = await finalise(recordingPaths(mediaDir, recording.id));
    expect(again.durationMs).toBe(track$.durationMs);
    expect(JSON.parse(await readFile(join(caseDir, 'annotations.json'), 'utf8'))).toEqual(track$);

    const ops = track$.events.filter((e: { type: string }) => e.type === 'op');
    expect(ops.map((e: { op: { id: string } }) => e.op.id)).toEqual(state.drawn.map((n) => `op${n}`));
    for (const e of ops) {
      const onScreen = await frameNumberAt(video, e.mediaMs + 1);
      const drawnAt = e.op.frame.presented;
      console.log(`op at frame ${drawnAt}: the case shows frame ${onScreen} at ${e.mediaMs} ms`);
      // Ops are placed by when they reach the recorder, whose picture runs a frame or two apart
      // from the mentor's (separate jitter buffers at the SFU): two frames (67 ms) is what this
      // method holds; the issue asks for one (see the recorder README).
      expect(Math.abs(onScreen - drawnAt)).toBeLessThanOrEqual(2);
    }
  });

  it('puts a freeze frame the mentor archives while recording at its moment in the case track: the case shows, there, the picture the mentor froze', async () => {
    const { mentor, session, state, until, recording: rec } = await mentoredSession('stills');
    await until(() => state.sent > 30);
    const recording = await rec.start();
    await expect.poll(rec.status, { timeout: 30_000, interval: 100 }).toBe('recording');
    const from = state.seen;
    await until(() => state.seen > from + 45);
    // The mentor's page sends the PNG when they freeze: the picture frozen is the one they saw then.
    const png = sectorPng(320, 240, 7);
    const frozenAt = state.seen;
    const res = await as(mentor.cookie).sessions[':id']['freeze-stills'].$post(
      { param: { id: session.id }, header: { 'content-digest': contentDigest(png) } },
      { headers: { 'content-type': 'image/png' }, init: { body: new Uint8Array(png) } },
    );
    const still = await ok(res);
    const logged = () => readEventLog(recordingPaths(mediaDir, recording.id).events).some((e) => e.type === 'still' && e.stillId === still.id);
    await until(logged);
    const loggedBy = state.seen;
    // What theatre had sent by then: no case can show a later picture at the still's moment.
    const sentBy = state.sent;
    // A second of pictures after it, so that the case has the frame the still lands on (as for ops above).
    await until(() => state.seen >= loggedBy + 30);
    await rec.stop();
    await rec.finished();
    expect(await rec.status()).toBe('ready');

    const caseDir = join(mediaDir, 'recordings', recording.id);
    const track = CaseTrack.parse(JSON.parse(await readFile(join(caseDir, 'annotations.json'), 'utf8')));
    const atMs = stillMoments(track).get(still.id);
    expect(atMs).toBeDefined();
    const onScreen = await frameNumberAt(join(caseDir, 'case.mp4'), atMs! + 1);
    console.log(
      `freeze frame sent at frame ${frozenAt}, logged by ${loggedBy} (theatre had sent ${sentBy}): the case shows frame ${onScreen} at ${atMs} ms (the api guessed ${still.atMs} ms)`,
    );
    // The recorder hears of the still after the upload began and before the test saw it logged:
    // the case shows, at the still's moment, a picture between the two. Before: two frames before
    // the one frozen (the recorder's and the mentor's pictures run that far apart, as for ops).
    // After: one theatre had sent by the time the test saw it logged. (The mentor's count there,
    // two frames on, was one short once in CI: the recorder's picture had run 3 ahead of the mentor's.)
    expect(onScreen).toBeGreaterThanOrEqual(frozenAt - 2);
    expect(onScreen).toBeLessThan(sentBy);
  });

  it('leaves a prior image a mentor shows to everyone out of the case (the patient’s), and keeps the marks around it', async () => {
    const { mentor, mentorRoom, state, until, recording: rec } = await mentoredSession('share');
    await until(() => state.sent > 30);
    const recording = await rec.start();
    await expect.poll(rec.status, { timeout: 30_000, interval: 100 }).toBe('recording');
    const op = (id: string, seq: number, rest: Record<string, unknown>) => ({
      v: ANNOTATION_VERSION,
      id,
      author: mentor.id,
      seq,
      t: Date.now(),
      frame: null,
      ...rest,
    });
    const image = { study: '1.2.826.0.1.1', series: '1.2.826.0.1.1.2', sop: '1.2.826.0.1.1.2.3', window: 'lung' };
    const style = { color: '#00e5ff', width: 'medium' };
    // livekit-server may announce a mentor who publishes nothing seconds late, and the recorder
    // drops what they send until then: the pair goes again at each try, under new ids.
    let tries = 0;
    const sentAndLogged = async () => {
      const k = tries++;
      const share = op(`sharedct${k}`, 2 * k, { kind: 'share', image, label: '2026-01-15 CT Chest · 5/10' });
      const mark = op(`onprior${k}`, 2 * k + 1, { kind: 'text', at: [0.5, 0.5], text: 'here', style, fade: false, source: `${mentor.id}#prior-sharedct${k}` });
      for (const o of [share, mark])
        await mentorRoom.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(o)), { reliable: true, topic: 'loupe.ops' });
      // Data from one sender comes in order: once a mark is logged, the share before it has been seen.
      return loggedOps(recording.id).some((id) => id.startsWith('onprior'));
    };
    await expect.poll(sentAndLogged, { timeout: 15_000, interval: 250 }).toBe(true);
    // A second of pictures after it, so that the case has a moment for the mark (as for ops above).
    const loggedBy = state.seen;
    await until(() => state.seen >= loggedBy + 30);
    await rec.stop();
    await rec.finished();
    expect(await rec.status()).toBe('ready');
    const track = JSON.parse(await readFile(join(mediaDir, 'recordings', recording.id, 'annotations.json'), 'utf8'));
    const ops = track.events.filter((e: { type: string }) => e.type === 'op').map((e: { op: { kind: string; id: string } }) => `${e.op.kind} ${e.op.id}`);
    expect(ops.some((o: string) => o.startsWith('text onprior'))).toBe(true);
    expect(ops.filter((o: string) => o.startsWith('share'))).toEqual([]);
    expect(JSON.stringify(track)).not.toContain(image.study);
  });

  it('survives kill -9: restarted, it continues the recording, loses at most a segment, keeps every logged op, and marks the gap; a flood and bad packets are dropped and counted', async () => {
    const { mentor, mentorRoom, state, until, recording: rec } = await mentoredSession('two');
    await until(() => state.sent > 30);
    const recording = await rec.start();
    state.every = 40;
    state.max = 2;
    state.armedAt = state.sent;
    await until(() => state.drawn.length === 2);
    // Killed once both drawings are logged: what the test checks is that logged ops survive.
    await expect.poll(() => loggedOps(recording.id), { timeout: 10_000, interval: 100 }).toEqual(expect.arrayContaining(state.drawn.map((n) => `op${n}`)));
    await recorder.kill();
    const killedAtFrame = state.sent;
    const beforeKill = [...state.drawn];
    // Two seconds of real time down is what is tested: the case must mark the gap they leave.
    await new Promise((r) => setTimeout(r, 2000));
    recorder = startRecorder();
    const resumedAtFrame = state.sent;
    // Once the restarted recorder writes segments again, the mentor draws once more.
    const segments = join(mediaDir, 'recordings', recording.id, 'segments');
    const before = (await readdir(segments)).length;
    await until(() => existsSync(segments) && readdirSync(segments).length > before);
    state.max = 3;
    state.armedAt = state.sent - state.every * 2;
    await until(() => state.drawn.length === 3);
    // 10 000 ops at once from the mentor (valid, and changing nothing), then packets no receiver
    // may obey: the recorder lets the sender's rate through, drops the rest and counts it all.
    const send = (data: Uint8Array) => mentorRoom.localParticipant!.publishData(data, { reliable: true, topic: 'loupe.ops' });
    const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
    const erase = (i: number) => ({
      v: ANNOTATION_VERSION,
      id: `flood${i}`,
      author: mentor.id,
      seq: 1000 + i,
      t: Date.now(),
      frame: null,
      kind: 'erase',
      target: { author: mentor.id, id: `none${i}` },
    });
    const floodStarted = Date.now();
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => send(bytes(erase(i)))));
    await send(bytes('{"v":1,"kind":'));
    await send(bytes({ ...erase(0), v: 9 }));
    await send(new Uint8Array(12 * 1024).fill(0x7b));
    // Data is delivered in order: once an op sent after them is logged, the recorder has had
    // every packet above. One is sent at each try, as the flood may have spent the sender's rate.
    let marks = 0;
    const marked = async () => {
      await send(bytes(erase(10_000 + marks++)));
      return loggedOps(recording.id).some((id) => id.startsWith('flood') && Number(id.slice('flood'.length)) >= 10_000);
    };
    await expect.poll(marked, { timeout: 10_000, interval: 250 }).toBe(true);
    // The recorder had every flood packet by now: its rate limit let at most this long's worth
    // through. Not the time to send them: on a loaded machine they arrive spread over longer.
    const floodSeconds = (Date.now() - floodStarted) / 1000;
    await rec.stop();
    await rec.finished();
    expect(await rec.status()).toBe('ready');

    const caseDir = join(mediaDir, 'recordings', recording.id);
    const video = join(caseDir, 'case.mp4');
    expect((await run('ffmpeg', ['-v', 'error', '-i', video, '-f', 'null', '-'])).stderr).toBe('');
    const track$ = JSON.parse(await readFile(join(caseDir, 'annotations.json'), 'utf8'));
    // Every op logged before the kill is still there, and so are the ones after.
    const ids = track$.events.filter((e: { type: string }) => e.type === 'op').map((e: { op: { id: string } }) => e.op.id);
    for (const n of beforeKill) expect(ids).toContain(`op${n}`);
    expect(ids).toContain(`op${state.drawn.at(-1)}`);
    const { dropped } = track$.events.findLast((e: { type: string }) => e.type === 'stop');
    // What reaches the case is at most the sender's rate over the flood (livekit-server may shed
    // some of a flood on its own before the recorder sees it, so what was dropped is not a count
    // to compare with the 10 000).
    const floodLogged = ids.filter((id: string) => id.startsWith('flood')).length;
    console.log(`flood of 10 000 ops over ${floodSeconds} s: ${floodLogged} in the case, recorder dropped ${JSON.stringify(dropped)}`);
    expect(floodLogged).toBeLessThanOrEqual(480 + 240 * floodSeconds);
    expect(dropped).toMatchObject({ malformed: 1, unknown_version: 1, oversized: 1 });
    const gap = track$.events.find((e: { type: string }) => e.type === 'gap');
    expect(gap).toBeDefined();
    // The picture just before the gap is at most two seconds (one segment) older than the kill…
    const lastBefore = await frameNumberAt(video, gap.mediaMs - 40);
    console.log(`killed at frame ${killedAtFrame}; the case has frames up to ${lastBefore} before the gap (${gap.lostMs} ms marked lost)`);
    expect(killedAtFrame - lastBefore).toBeLessThanOrEqual(2 * 30 + 3);
    // …and the picture right after it is from after the restart.
    const firstAfter = await frameNumberAt(video, gap.mediaMs + 40);
    expect(firstAfter).toBeGreaterThanOrEqual(resumedAtFrame);
    expect(gap.lostMs).toBeGreaterThanOrEqual(((firstAfter - lastBefore) / 30) * 1000 * 0.5);
    // A hang guard, not a speed goal: a kill, a restart and a 10 000-op flood take a minute on a loaded 2-core box.
  }, 150_000);
});
