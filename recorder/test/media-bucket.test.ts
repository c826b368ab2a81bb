/**
 * Recording with the media store on S3, all real processes: livekit-server, versitygw, the api and
 * the recorder, each with its own media directory as on two machines, so that the api can only
 * serve what is in the bucket. Segments reach the bucket while the recording runs; the case plays
 * through the api from the bucket, with ranges and its access check; with the bucket away the
 * case waits, unready, its files kept, and becomes ready once the bucket is back.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispose } from '@livekit/rtc-node';
import { afterAll, afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { CASE_FILES, recordingFiles } from '@loupe/protocol';
import { startVersityGw, type VersityGw } from '@loupe/stack';
import { ok } from './api-client.ts';
import { NumberedPicture } from './numbered-picture.ts';
import { loudness } from './tone.ts';
import { startRecordedSession, type RecordedSession } from './recorded-session.ts';

const running: { live: RecordedSession; gw: VersityGw; dir: string }[] = [];

afterEach(async () => {
  for (const { live, gw, dir } of running.splice(0)) {
    await live.stop().catch(() => undefined);
    await gw.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

afterAll(() => dispose());

async function recordedSession(title: string, o: { tone?: boolean } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bucket-'));
  const gw = await startVersityGw({ dir: join(dir, 's3') });
  const recorderMedia = join(dir, 'recorder-media');
  const live = await startRecordedSession({
    dir,
    mediaDir: recorderMedia,
    title,
    picture: new NumberedPicture(640, 360),
    tone: o.tone,
    recorderEnv: gw.env,
    apiEnv: { ...gw.env, LOUPE_MEDIA_DIR: join(dir, 'api-media') },
  });
  running.push({ live, gw, dir });
  onTestFailed(() => console.log(`${live.logs()}\nversitygw:\n${gw.service.output()}`));
  const recording = await live.startRecording();
  await expect.poll(live.recState, { timeout: 30_000 }).toBe('recording');
  const files = recordingFiles(recording.id);
  const caseOf = async () => {
    const { cases } = await ok(live.as(live.host.cookie).cases.$get({ query: {} }));
    return cases.find((c) => c.sessionId === live.sessionId);
  };
  return {
    live,
    gw,
    recording,
    caseOf,
    inBucket: (name: string) => join(gw.bucketDir, name),
    onRecorder: (name: string) => join(recorderMedia, name),
    bucketSegments: () => (existsSync(join(gw.bucketDir, files.segments)) ? readdirSync(join(gw.bucketDir, files.segments)) : []),
    bucketSlices: () => (existsSync(join(gw.bucketDir, files.sound)) ? readdirSync(join(gw.bucketDir, files.sound)) : []),
    files,
  };
}

/** Until theatre has sent `frames` more pictures (30 a second) than it had when called. */
async function picturesSent(live: RecordedSession, frames: number) {
  const from = live.publisher.sent;
  await expect.poll(() => live.publisher.sent, { timeout: 30_000 }).toBeGreaterThanOrEqual(from + frames);
}

describe('recording into a bucket', () => {
  it('stores each segment while it records; the ready case plays from the bucket through the api, with ranges, to the session only', async () => {
    const { live, caseOf, inBucket, onRecorder, bucketSegments, files } = await recordedSession('Recorded into a bucket');
    // Two segments (two seconds each) in the bucket while the recording still runs.
    await expect.poll(() => bucketSegments().length, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(2);
    expect((await live.recording()).status).toBe('recording');
    const [first] = bucketSegments().sort();
    expect(await readFile(inBucket(`${files.segments}/${first}`))).toEqual(await readFile(onRecorder(`${files.segments}/${first}`)));

    await live.stopRecording();
    await expect.poll(async () => (await caseOf())?.status, { timeout: 60_000, interval: 250 }).toBe('ready');
    // Every file of the case is in the bucket; the recorder's copies go (after it reports the case ready).
    for (const file of Object.values(CASE_FILES)) expect(existsSync(inBucket(files.caseFile(file)))).toBe(true);
    await expect.poll(() => existsSync(onRecorder(files.dir)), { timeout: 10_000, interval: 100 }).toBe(false);

    const item = (await caseOf())!;
    const stored = readdirSync(inBucket(files.dir), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const bytes = (name: string) => stored.filter((e) => e.name.startsWith(name)).reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
    const perHour = (n: number) => ((n / item.durationMs!) * 3_600_000) / 1e6;
    console.log(
      `bucket per recorded hour (640x360 test picture): ${perHour(bytes('')).toFixed(0)} MB in all, segments ${perHour(bytes('seg_')).toFixed(0)} MB, ` +
        `case video ${perHour(bytes('case.mp4')).toFixed(0)} MB, sound ${perHour(bytes('slice_')).toFixed(0)} MB`,
    );
    const video = await readFile(inBucket(files.caseFile(CASE_FILES.video)));
    const media = (cookie: string, range?: string) =>
      live.as(cookie).cases[':id'].media[':file'].$get({ param: { id: item.id, file: CASE_FILES.video } }, range ? { headers: { range } } : {});
    const part = await media(live.host.cookie, 'bytes=1000-4999');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-4999/${video.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(video.subarray(1000, 5000));
    const tail = await media(live.host.cookie, 'bytes=-100');
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(video.subarray(video.length - 100));
    const whole = await media(live.host.cookie);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(video);

    const outsider = await live.outsider();
    expect((await media(outsider.cookie, 'bytes=0-99')).status).toBe(404);
  });

  it('with the bucket away, the case waits unready and the recorder keeps its files; with the bucket back, the case becomes ready', async () => {
    const { live, gw, caseOf, inBucket, onRecorder, files } = await recordedSession('Recorded while the bucket was away');
    await picturesSent(live, 90);
    await gw.pause();
    await live.stopRecording();
    // The recorder has finalised the case and failed to store it (a line about a file of the case,
    // not a segment): the case is not ready, its files stay.
    const storingCase = new RegExp(`storing ${files.dir}/(?!segments/)\\S+ failed`);
    await expect.poll(() => storingCase.test(live.recorder.service.output()), { timeout: 60_000, interval: 250 }).toBe(true);
    expect((await caseOf())?.status).toBe('processing');
    expect(existsSync(onRecorder(files.caseFile(CASE_FILES.video)))).toBe(true);
    expect(readdirSync(onRecorder(files.segments)).length).toBeGreaterThan(0);

    await gw.resume();
    await expect.poll(async () => (await caseOf())?.status, { timeout: 60_000, interval: 250 }).toBe('ready');
    for (const file of Object.values(CASE_FILES)) expect(existsSync(inBucket(files.caseFile(file)))).toBe(true);
    // The worker lets its copy go after it reports the case ready (worker.ts), not before.
    await expect.poll(() => existsSync(onRecorder(files.dir)), { timeout: 10_000, interval: 100 }).toBe(false);
  });

  it("loses at most a segment with the recorder's disk: a new recorder fetches the stored segments, sound and log, numbers on after them, and the case holds them", async () => {
    const { live, caseOf, inBucket, onRecorder, bucketSegments, bucketSlices, files } = await recordedSession('Recorded through a lost disk', { tone: true });
    await expect.poll(() => bucketSegments().length, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(3);
    // The sound is in the bucket in slices too, while the recording runs.
    await expect.poll(() => bucketSlices().length, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(3);
    const before = bucketSegments().sort();
    const kept = await Promise.all(before.map((name) => readFile(inBucket(`${files.segments}/${name}`))));
    // Those in step with the stored segments (the sound beyond the video kept is cut, to stay in step).
    const slicesBefore = bucketSlices().sort().slice(0, before.length);
    const keptSound = await Promise.all(slicesBefore.map((name) => readFile(inBucket(`${files.sound}/${name}`))));
    // The worker and its disk are gone; another process, with an empty disk, takes over.
    await live.replaceRecorder(() => rm(onRecorder(''), { recursive: true, force: true }));
    await expect.poll(() => bucketSegments().length, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(before.length + 2);
    await live.stopRecording();
    await expect.poll(async () => (await caseOf())?.status, { timeout: 60_000, interval: 250 }).toBe('ready');

    // What was stored is there as it was, and what came after is numbered after it.
    const after = bucketSegments().sort();
    expect(after.slice(0, before.length)).toEqual(before);
    for (const [i, name] of before.entries()) expect(await readFile(inBucket(`${files.segments}/${name}`))).toEqual(kept[i]);
    // The case holds every stored segment (two seconds each), and marks where the recorder changed.
    const track = JSON.parse(await readFile(inBucket(files.caseFile(CASE_FILES.annotations)), 'utf8')) as { durationMs: number; events: { type: string }[] };
    expect(track.durationMs).toBeGreaterThanOrEqual((after.length - 1) * 2000);
    expect(track.events.some((e) => e.type === 'gap')).toBe(true);
    // The sound stored before the disk was lost is in the case: theatre's tone, not silence.
    for (const [i, name] of slicesBefore.entries()) expect(await readFile(inBucket(`${files.sound}/${name}`))).toEqual(keptSound[i]);
    // Two-second slices: the seconds 1 to 2·slices − 1 (the tone starts a moment after the recording).
    const windows = (await loudness(inBucket(files.caseFile(CASE_FILES.video)), 1000)).slice(1, 2 * slicesBefore.length - 1);
    expect(windows.length).toBeGreaterThanOrEqual(4);
    expect(windows.sort((a, b) => a - b)[Math.floor(windows.length / 2)]).toBeGreaterThan(1000);
  });
});
