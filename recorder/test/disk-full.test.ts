/**
 * The recorder's disk fills up mid-recording, for real: the media directory is a small tmpfs
 * and a file takes its last free byte while theatre is being recorded. The recorder stops that
 * recording cleanly, ends it for everyone and says why on the case; the worker lives on and
 * records the next session once there is room again. Needs root (mount).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dispose } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { parseRoomMetadata } from '@loupe/protocol';
import { durationMs } from '../src/media/probe.ts';
import { recordingPaths } from '../src/media/recording-files.ts';
import { NumberedPicture } from './numbered-picture.ts';
import { ok } from './api-client.ts';
import { startRecordedSession, type RecordedSession } from './recorded-session.ts';

const run = promisify(execFile);

let dir: string;
let mediaDir: string;
let mounted = false;
let live: RecordedSession;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-disk-full-'));
  mediaDir = join(dir, 'media');
  mkdirSync(mediaDir);
  // 48 MB: room for a few seconds of recording and its finished case, little enough to fill at once.
  await run('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'loupe-recordings', mediaDir]);
  mounted = true;
  live = await startRecordedSession({ dir, mediaDir, title: 'Recorded until the disk filled', picture: new NumberedPicture(320, 180) });
});

afterAll(async () => {
  await live?.stop();
  if (mounted) await run('umount', [mediaDir]).catch(() => run('umount', ['--lazy', mediaDir]));
  await rm(dir, { recursive: true, force: true });
  await dispose();
});

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
  // One test, not two: recording again once there is room is only worth checking after the
  // same recorder met a full disk.
  it('mid-recording: that recording stops for everyone and its case says the disk is full; the recorder keeps running, and with room again records the next one to a case that plays', async () => {
    onTestFailed(() => console.log(live.logs()));
    const failing = await live.startRecording();
    await expect.poll(live.recState, { timeout: 30_000 }).toBe('recording');
    const filler = fillUp(mediaDir);

    await expect.poll(async () => (await live.recording()).status, { timeout: 30_000, interval: 200 }).toBe('failed');
    const failed = await live.recording();
    expect(failed.failure).toMatch(/disk .*is full/);
    expect(failed.stoppedAt).not.toBeNull();
    // REC goes off on every screen, and the room says why.
    await expect.poll(live.recState, { timeout: 10_000 }).toBe('off');
    expect(parseRoomMetadata(live.theatreRoom.metadata).recordingFailure).toMatch(/disk .*is full/);
    // The case is in the library, failed, with the reason.
    const api = live.as(live.host.cookie);
    const { cases } = await ok(api.cases.$get({ query: { pageSize: '50' } }));
    const item = cases.find((c) => c.sessionId === live.sessionId);
    expect(item).toBeDefined();
    const shown = await ok(api.cases[':id'].$get({ param: { id: item!.id } }));
    expect(shown.status).toBe('failed');
    expect(shown.failure).toMatch(/no space left on device/);
    // The worker is still running, and what it had written is still there.
    expect(live.recorder.service.child.exitCode).toBeNull();
    expect(live.recorder.service.child.signalCode).toBeNull();
    expect(existsSync(recordingPaths(mediaDir, failing.id).events)).toBe(true);

    // Room on the disk again.
    await rm(filler);
    const recording = await live.startRecording();
    await expect.poll(live.recState, { timeout: 30_000 }).toBe('recording');
    const from = live.publisher.sent;
    await expect.poll(() => live.publisher.sent, { timeout: 30_000 }).toBeGreaterThan(from + 60);
    await live.stopRecording();
    await expect.poll(async () => (await live.recording()).status, { timeout: 60_000, interval: 200 }).toBe('ready');
    expect(await durationMs(join(recordingPaths(mediaDir, recording.id).dir, 'case.mp4'))).toBeGreaterThan(1000);
  });
});
