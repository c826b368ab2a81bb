/**
 * Stills with the media store on S3, against a real versitygw on loopback: an uploaded still lands
 * in the bucket and is served from there behind the same access check; while the bucket is away
 * the upload is answered all the same, and the still waits on this machine until it is stored.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stillFile } from '@loupe/protocol';
import { startVersityGw, type VersityGw } from '@loupe/stack';
import { createTestApi, ok, type TestAccount, type TestApi } from './fixture.ts';
import { contentDigest, sectorPng } from './stills.ts';

let gw: VersityGw;
let mediaDir: string;
let api: TestApi;
let host: TestAccount, scanRoom: TestAccount, observer: TestAccount, outsider: TestAccount;
let sessionId: string;

beforeAll(async () => {
  gw = await startVersityGw();
  mediaDir = await mkdtemp(join(tmpdir(), 'loupe-stills-bucket-'));
  api = await createTestApi({ ...gw.env, LOUPE_MEDIA_DIR: mediaDir });
  host = await api.account('surgeon', 'Dr Host');
  scanRoom = await api.account('surgeon', 'Sonographer Wu');
  observer = await api.account('trainee', 'Trainee Li');
  outsider = await api.account('trainee', 'Trainee from elsewhere');
  sessionId = await api.ultrasoundSession(host, [
    [scanRoom, 'theatre'],
    [observer, 'observer'],
  ]);
});

afterAll(async () => {
  await api?.close();
  await gw?.stop();
  if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
});

async function capture(png: Buffer) {
  const exam = await ok(api.client(scanRoom.cookie).sessions[':id'].exams.$post({ param: { id: sessionId }, json: { protocolKey: 'efast', patient: null } }));
  const view = exam.stills.length === 0 ? 'ruq' : 'luq';
  return ok(
    api
      .client(scanRoom.cookie)
      .exams[':id'].stills.$post(
        { param: { id: exam.id }, query: { view }, header: { 'content-digest': contentDigest(png) } },
        { headers: { 'content-type': 'image/png' }, init: { body: new Uint8Array(png) } },
      ),
    201,
  );
}

const image = (who: TestAccount, id: string) => api.client(who.cookie).stills[':id'].image.$get({ param: { id } });
const inBucket = (id: string) => join(gw.bucketDir, stillFile(id));
const onThisMachine = (id: string) => join(mediaDir, stillFile(id));

describe('stills in the bucket', () => {
  it('stores the still in the bucket, then drops the local copy, and serves it from the bucket to the session only', async () => {
    const png = sectorPng(640, 480, 3);
    const still = await capture(png);
    await expect.poll(() => existsSync(inBucket(still.id)) && !existsSync(onThisMachine(still.id)), { timeout: 15_000 }).toBe(true);
    expect(await readFile(inBucket(still.id))).toEqual(png);

    const seen = await image(observer, still.id);
    expect(seen.status).toBe(200);
    expect(Buffer.from(await seen.arrayBuffer())).toEqual(png);
    expect((await image(outsider, still.id)).status).toBe(404);
  });

  it('while the bucket is away, takes the still, keeps and serves it here, and stores it once the bucket is back', async () => {
    await gw.pause();
    const png = sectorPng(320, 240, 9);
    let still: Awaited<ReturnType<typeof capture>>;
    try {
      still = await capture(png);
      expect(await readFile(onThisMachine(still.id))).toEqual(png);
      const seen = await image(observer, still.id);
      expect(Buffer.from(await seen.arrayBuffer())).toEqual(png);
      expect(existsSync(inBucket(still.id))).toBe(false);
    } finally {
      await gw.resume();
    }
    await expect.poll(() => existsSync(inBucket(still.id)) && !existsSync(onThisMachine(still.id)), { timeout: 15_000 }).toBe(true);
    expect(await readFile(inBucket(still.id))).toEqual(png);
  });
});
