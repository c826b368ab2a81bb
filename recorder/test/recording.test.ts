/**
 * The recorder end to end: real livekit-server, the real api over HTTP, a theatre publishing a
 * picture whose frames carry their number in pixels, a mentor who draws when they see given
 * frames, and the recorder worker turning it into a case that ffmpeg can decode.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServerType } from '@hono/node-server';
import {
  LocalVideoTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
  VideoStream,
  dispose,
} from '@livekit/rtc-node';
import { createApp, createUser, livekitRooms, migrateDb, openDb, parseApiConfig } from '@loupe/api';
import type { GlobalRole } from '@loupe/protocol';
import { freePort, startLiveKit, type LiveKit } from '@loupe/stack';
import { recorderApi } from '../src/api.ts';
import { parseRecorderConfig } from '../src/env.ts';
import { RecorderWorker } from '../src/worker.ts';

const run = promisify(execFile);
const W = 640;
const H = 360;
const BITS = 14;
const BLOCK = 40;
const RECORDER_TOKEN = 'recorder-token-for-the-recording-test-0123';

/** A grey frame whose top row of blocks spells its number in binary (white = 1). */
function numberedFrame(n: number): Uint8Array {
  const data = new Uint8Array((W * H * 3) / 2);
  data.fill(90, 0, W * H);
  data.fill(128, W * H);
  for (let bit = 0; bit < BITS; bit++) {
    const value = (n >> bit) & 1 ? 235 : 16;
    for (let y = 8; y < 8 + BLOCK; y++) data.fill(value, y * W + bit * (BLOCK + 4) + 8, y * W + bit * (BLOCK + 4) + 8 + BLOCK);
  }
  return data;
}

/** Reads the number back from a luma plane (width `w`), sampling each block's centre. */
function readNumber(luma: Uint8Array, w: number): number {
  let n = 0;
  for (let bit = 0; bit < BITS; bit++) {
    const x = bit * (BLOCK + 4) + 8 + BLOCK / 2;
    if (luma[(8 + BLOCK / 2) * w + x]! > 128) n |= 1 << bit;
  }
  return n;
}

let livekit: LiveKit;
let server: ServerType;
let apiUrl: string;
let mediaDir: string;
let dir: string;
let worker: RecorderWorker;
const rooms: Room[] = [];
const cleanups: (() => void)[] = [];

/** GET without a body, POST with one. */
async function call(path: string, cookie: string, body?: unknown): Promise<any> {
  const res = await fetch(`${apiUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

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
  const app = createApp({ db, config, rooms: livekitRooms(livekit.httpUrl, livekit.apiKey, livekit.apiSecret) });
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port });
  (globalThis as { createTestUser?: unknown }).createTestUser = (role: GlobalRole, name: string) =>
    createUser(db, { email: `${name.replace(/\W/g, '').toLowerCase()}@hospital.test`, name, role, password: 'a long enough passphrase' });

  const recorderConfig = parseRecorderConfig({
    LOUPE_API_URL: apiUrl,
    LOUPE_RECORDER_TOKEN: RECORDER_TOKEN,
    LIVEKIT_URL: livekit.httpUrl,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
    LOUPE_MEDIA_DIR: mediaDir,
    LOUPE_RECORDER_POLL_MS: '200',
  });
  worker = new RecorderWorker(recorderConfig, recorderApi(apiUrl, RECORDER_TOKEN));
  worker.start();
});

afterAll(async () => {
  await worker?.shutdown();
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
  const { token, url } = (await call(`/sessions/${sessionId}/token`, cookie, {})) as { token: string; url: string };
  const room = new Room();
  rooms.push(room);
  await room.connect(url, token, { autoSubscribe: true, dynacast: false });
  return room;
}

describe('recording a mentored session', () => {
  it('writes a case whose video decodes, lasts as long as it was recorded, and puts each drawing on the frame the mentor saw', async () => {
    const host = await signIn('surgeon', 'Host Surgeon');
    const theatre = await signIn('surgeon', 'Theatre PC');
    const mentor = await signIn('mentor', 'Remote Mentor');
    const session = await call('/sessions', host.cookie, {
      title: 'Recorded case',
      procedure: 'Cholecystectomy',
      specialty: 'General surgery',
      scheduledAt: new Date().toISOString(),
    });
    await call(`/sessions/${session.id}/members`, host.cookie, { email: theatre.email, role: 'theatre' });
    await call(`/sessions/${session.id}/members`, host.cookie, { email: mentor.email, role: 'mentor' });
    await call(`/sessions/${session.id}/start`, host.cookie, {});

    // Theatre publishes 30 numbered frames a second.
    const theatreRoom = await joinRoom(session.id, theatre.cookie);
    const source = new VideoSource(W, H);
    const track = LocalVideoTrack.createVideoTrack('surgical picture', source);
    await theatreRoom.localParticipant!.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_CAMERA }));
    let sent = 0;
    const publisher = setInterval(() => source.captureFrame(new VideoFrame(numberedFrame(sent++), W, H, VideoBufferType.I420)), 1000 / 30);
    cleanups.push(() => clearInterval(publisher));

    // The mentor draws when the picture they see reaches given frames.
    const mentorRoom = await joinRoom(session.id, mentor.cookie);
    const drawn: number[] = [];
    const seen = new Promise<void>((resolve) => {
      mentorRoom.on(RoomEvent.TrackSubscribed, (t) => {
        if (t.kind !== TrackKind.KIND_VIDEO) return;
        void (async () => {
          let next = 0;
          for await (const { frame } of new VideoStream(t)) {
            const n = readNumber(frame.convert(VideoBufferType.I420).data, frame.width);
            if (recordingFrom === null || n < recordingFrom + 45 * (next + 1)) continue;
            const op = {
              v: 1, id: `op${n}`, author: mentor.id, seq: next, t: Date.now(), frame: { media: n / 30, presented: n },
              kind: 'shape', shape: 'arrow', from: [0.2, 0.2], to: [0.5, 0.5], style: { color: '#00e5ff', width: 'medium' }, fade: false,
            };
            await mentorRoom.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(op)), { reliable: true, topic: 'loupe.ops' });
            drawn.push(n);
            if (++next === 3) return resolve();
          }
        })();
      });
    });

    // Recording starts once the picture flows; drawings come 1.5, 3 and 4.5 s later.
    let recordingFrom: number | null = null;
    await new Promise((r) => setTimeout(r, 1000));
    const startedAt = Date.now();
    const recording = await call(`/sessions/${session.id}/recording`, theatre.cookie, { consentOnFile: true, noIdentifiersInView: true });
    recordingFrom = sent;
    await seen;
    await new Promise((r) => setTimeout(r, 1000));
    await call(`/sessions/${session.id}/recording/stop`, theatre.cookie, {});
    const wallMs = Date.now() - startedAt;

    let status = 'stopped';
    for (let i = 0; i < 150 && status !== 'ready' && status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await call(`/sessions/${session.id}/recording`, host.cookie)).status;
    }
    expect(status).toBe('ready');

    const caseDir = join(mediaDir, 'recordings', recording.id);
    const video = join(caseDir, 'case.mp4');
    // Decodes cleanly, with H.264 video and AAC sound.
    const decode = await run('ffmpeg', ['-v', 'error', '-i', video, '-f', 'null', '-']);
    expect(decode.stderr).toBe('');
    const streams = (await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', video])).stdout;
    expect(streams.split('\n').filter(Boolean).sort()).toEqual(['aac', 'h264']);

    const track$ = JSON.parse(await readFile(join(caseDir, 'annotations.json'), 'utf8'));
    const stop = track$.events.find((e: { type: string }) => e.type === 'stop');
    expect(Math.abs(track$.durationMs - stop.mediaMs)).toBeLessThanOrEqual(100);
    // The recorder joins after the api says start: the case is a little shorter than the wall time.
    expect(track$.durationMs).toBeGreaterThan(wallMs - 2500);
    expect(track$.durationMs).toBeLessThanOrEqual(wallMs + 100);

    const ops = track$.events.filter((e: { type: string }) => e.type === 'op');
    expect(ops.map((e: { op: { id: string } }) => e.op.id)).toEqual(drawn.map((n) => `op${n}`));
    for (const e of ops) {
      const { stdout } = await run(
        'ffmpeg',
        ['-v', 'error', '-i', video, '-ss', String((e.mediaMs + 1) / 1000), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
        { encoding: 'buffer', maxBuffer: 8 * 1024 * 1024 },
      );
      const onScreen = readNumber(new Uint8Array(stdout), W);
      const drawnAt = e.op.frame.presented;
      console.log(`op at frame ${drawnAt}: the case shows frame ${onScreen} at ${e.mediaMs} ms`);
      expect(Math.abs(onScreen - drawnAt)).toBeLessThanOrEqual(1);
    }
  });
});
