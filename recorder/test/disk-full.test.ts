/**
 * The recorder's disk fills up mid-recording, for real: the media directory is a small tmpfs
 * and a file takes its last free byte while theatre is being recorded. The recorder stops that
 * recording cleanly, ends it for everyone and says why on the case; the worker lives on and
 * records the next session once there is room again. Needs root (mount).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Room, dispose } from '@livekit/rtc-node';
import { createUser, migrateDb, openDb } from '@loupe/api';
import { startApiProcess, startLiveKit, startRecorderProcess, type LiveKit, type RunningApi, type RunningApp } from '@loupe/stack';
import { durationMs } from '../src/media/probe.ts';
import { recordingPaths } from '../src/room-recorder.ts';
import { NumberedPicture, publishNumberedPicture, type NumberedPublisher } from './numbered-picture.ts';

const run = promisify(execFile);
const RECORDER_TOKEN = randomBytes(32).toString('hex');
const CONSENT = { consentOnFile: true, noIdentifiersInView: true };

let dir: string;
let mediaDir: string;
let mounted = false;
let livekit: LiveKit;
let api: RunningApi;
let recorder: RunningApp;
let closeDb: () => void;
let theatreRoom: Room;
let publisher: NumberedPublisher;
let host: { email: string; cookie: string };
let theatre: { email: string; cookie: string };
let sessionId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-disk-full-'));
  mediaDir = join(dir, 'media');
  mkdirSync(mediaDir);
  // 48 MB: room for a few seconds of recording and its finished case, little enough to fill at once.
  await run('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'loupe-recordings', mediaDir]);
  mounted = true;
  livekit = await startLiveKit();
  const dbUrl = `file:${join(dir, 'loupe.db')}`;
  const { db, client } = await openDb(dbUrl);
  closeDb = () => client.close();
  await migrateDb(db);
  api = await startApiProcess({ livekit, dbUrl, env: { LOUPE_RECORDER_TOKEN: RECORDER_TOKEN, LOUPE_MEDIA_DIR: mediaDir } });
  recorder = await startRecorderProcess({ livekit, apiUrl: api.url, recorderToken: RECORDER_TOKEN, mediaDir });

  const person = async (name: string) => {
    const email = `${name}@hospital.test`;
    await createUser(db, { email, name, role: 'surgeon', password: 'a long enough passphrase' });
    const res = await fetch(`${api.url}/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'a long enough passphrase' }),
    });
    return { email, cookie: /loupe_session=[^;]+/.exec(res.headers.get('set-cookie')!)![0] };
  };
  host = await person('host');
  theatre = await person('theatre');
  const session = await call('/sessions', host.cookie, {
    title: 'Recorded until the disk filled',
    procedure: 'Cholecystectomy',
    specialty: 'General surgery',
    scheduledAt: new Date().toISOString(),
  });
  sessionId = session.id;
  await call(`/sessions/${sessionId}/members`, host.cookie, { email: theatre.email, role: 'theatre' });
  await call(`/sessions/${sessionId}/start`, host.cookie, {});
  const { token, url } = await call(`/sessions/${sessionId}/token`, theatre.cookie, {});
  theatreRoom = new Room();
  await theatreRoom.connect(url, token, { autoSubscribe: false, dynacast: false });
  publisher = await publishNumberedPicture(theatreRoom, new NumberedPicture(320, 180));
});

afterAll(async () => {
  await publisher?.stop();
  await theatreRoom?.disconnect();
  await dispose();
  await recorder?.stop();
  await api?.stop();
  await livekit?.stop();
  closeDb?.();
  if (mounted) await run('umount', [mediaDir]).catch(() => run('umount', ['--lazy', mediaDir]));
  await rm(dir, { recursive: true, force: true });
});

/** GET without a body, POST with one. */
async function call(path: string, cookie: string, body?: unknown): Promise<any> {
  const res = await fetch(`${api.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** What everyone in the room is told about recording (the REC badge), from room metadata. */
function recState(): string {
  return (JSON.parse(theatreRoom.metadata || '{}') as { recording?: string }).recording ?? 'off';
}

/** Takes every free byte of the file system holding `path`, in a file that can be removed. */
function fillUp(path: string): string {
  const filler = join(path, 'filler');
  const fd = openSync(filler, 'w');
  try {
    for (const size of [1 << 20, 4096, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

describe('the recorder’s disk fills up', () => {
  let filler: string;
  const showLogs = () => onTestFailed(() => console.log(`recorder:\n${recorder.service.output()}\napi:\n${api.service.output()}`));

  it('mid-recording: that recording stops for everyone and its case says the disk is full; the recorder keeps running', async () => {
    showLogs();
    const recording = await call(`/sessions/${sessionId}/recording`, theatre.cookie, CONSENT);
    await expect.poll(recState, { timeout: 30_000 }).toBe('recording');
    filler = fillUp(mediaDir);

    await expect
      .poll(async () => (await call(`/sessions/${sessionId}/recording`, host.cookie)).status, { timeout: 30_000, interval: 200 })
      .toBe('failed');
    const failed = await call(`/sessions/${sessionId}/recording`, host.cookie);
    expect(failed.failure).toMatch(/disk .*is full/);
    expect(failed.stoppedAt).not.toBeNull();
    // REC goes off on every screen.
    await expect.poll(recState, { timeout: 10_000 }).toBe('off');
    // The case is in the library, failed, with the reason.
    const { cases } = await call('/cases?pageSize=50', host.cookie);
    const item = cases.find((c: { sessionId: string }) => c.sessionId === sessionId);
    expect(item).toBeDefined();
    const shown = await call(`/cases/${item.id}`, host.cookie);
    expect(shown.status).toBe('failed');
    expect(shown.failure).toMatch(/no space left on device/);
    // The worker is still running, and what it had written is still there.
    expect(recorder.service.child.exitCode).toBeNull();
    expect(recorder.service.child.signalCode).toBeNull();
    expect(existsSync(recordingPaths(mediaDir, recording.id).events)).toBe(true);
  });

  it('with room on the disk again, the same recorder records the next one to a case that plays', async () => {
    showLogs();
    await rm(filler);
    const recording = await call(`/sessions/${sessionId}/recording`, theatre.cookie, CONSENT);
    await expect.poll(recState, { timeout: 30_000 }).toBe('recording');
    const from = publisher.sent;
    await expect.poll(() => publisher.sent, { timeout: 30_000 }).toBeGreaterThan(from + 60);
    await call(`/sessions/${sessionId}/recording/stop`, theatre.cookie, {});
    await expect
      .poll(async () => (await call(`/sessions/${sessionId}/recording`, host.cookie)).status, { timeout: 60_000, interval: 200 })
      .toBe('ready');
    expect(await durationMs(join(recordingPaths(mediaDir, recording.id).dir, 'case.mp4'))).toBeGreaterThan(1000);
  });
});
