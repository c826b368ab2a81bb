/**
 * The media store against a real S3-compatible server (versitygw) on loopback: files land in the
 * bucket, ranges read back byte for byte, and while the bucket is away an upload waits and the
 * local copy stays.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVersityGw, type VersityGw } from '@loupe/stack';
import { MediaStore } from '../src/index.ts';
import { openBucket, partBytes } from '../src/bucket.ts';

let gw: VersityGw;
let dir: string;
let store: MediaStore;
const lines: string[] = [];

beforeAll(async () => {
  gw = await startVersityGw();
  dir = await mkdtemp(join(tmpdir(), 'loupe-media-'));
  store = new MediaStore({ dir, s3: gw.s3, maxBackoffMs: 500, log: (line) => lines.push(line) });
});

afterAll(async () => {
  await store?.close();
  await gw?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function readAll(file: NonNullable<Awaited<ReturnType<MediaStore['open']>>>, range?: { start: number; end: number }) {
  const chunks: Buffer[] = [];
  for await (const chunk of await file.stream(range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('media store on S3', () => {
  it('stores a file in the bucket, serves ranges from there once the local copy is released, and deletes it', async () => {
    const bytes = randomBytes(300_000);
    const name = 'recordings/r1/case.mp4';
    await store.writeLocal(name, bytes);
    await store.store(name);
    expect(await readFile(join(gw.bucketDir, name))).toEqual(bytes);

    await store.releaseLocal('recordings/r1');
    await expect(stat(store.localPath(name))).rejects.toThrow();
    const file = await store.open(name);
    expect(file?.size).toBe(bytes.length);
    expect(await readAll(file!, { start: 1000, end: 1999 })).toEqual(bytes.subarray(1000, 2000));

    await store.remove('recordings/r1');
    expect(await store.open(name)).toBeNull();
  });

  it('refuses to release a local copy the bucket does not have', async () => {
    await store.writeLocal('recordings/r2/poster.jpg', Buffer.from('poster'));
    await expect(store.releaseLocal('recordings/r2')).rejects.toThrow(/not in the bucket yet/);
    expect(await store.read('recordings/r2/poster.jpg')).toEqual(Buffer.from('poster'));
  });

  it('waits while the bucket is away, keeping the local copy, and stores the file once it is back', async () => {
    const name = 'stills/s1.png';
    const bytes = randomBytes(5000);
    await gw.pause();
    try {
      await store.writeLocal(name, bytes);
      let stored = false;
      const upload = store.store(name).then(() => (stored = true));
      // The store says so when a try fails (a real refused connection), and goes on waiting.
      await expect.poll(() => lines.some((line) => line.includes(`storing ${name} failed`)), { timeout: 15_000 }).toBe(true);
      expect(stored).toBe(false);
      expect(await readFile(store.localPath(name))).toEqual(bytes);

      await gw.resume();
      await upload;
      expect(await readFile(join(gw.bucketDir, name))).toEqual(bytes);
    } finally {
      if (gw.service.child.exitCode !== null || gw.service.child.signalCode !== null) await gw.resume();
    }
  });

  it('fetches what this machine lacks from the bucket', async () => {
    const other = await mkdtemp(join(tmpdir(), 'loupe-media-'));
    const elsewhere = new MediaStore({ dir: other, s3: gw.s3, log: () => undefined });
    try {
      const names = ['recordings/r3/segments/seg_00000.mp4', 'recordings/r3/segments/seg_00001.mp4'];
      for (const name of names) {
        await elsewhere.writeLocal(name, Buffer.from(name));
        await elsewhere.store(name);
      }
      await store.restore('recordings/r3/segments');
      for (const name of names) expect(await readFile(store.localPath(name), 'utf8')).toBe(name);
    } finally {
      await elsewhere.close();
      await rm(other, { recursive: true, force: true });
    }
  });

  it('sends a file past the multipart threshold in parts, and the bucket holds it byte for byte', async () => {
    // The threshold lowered from 64 MiB so that a test file takes the path a case past 5 GiB takes.
    const parts = new MediaStore({ dir, s3: gw.s3, multipartFromBytes: 1024 * 1024, log: () => undefined });
    const bucket = openBucket(gw.s3);
    try {
      const step = partBytes(0);
      const bytes = randomBytes(2 * step + 12345);
      const name = 'recordings/r5/case.mp4';
      await parts.writeLocal(name, bytes);
      await parts.store(name);
      // Digests, not the bytes: a deep equality of 32 MiB takes the matcher most of a minute.
      expect(sha256(await readFile(join(gw.bucketDir, name)))).toBe(sha256(bytes));
      await parts.releaseLocal(name);
      expect(sha256((await parts.read(name))!)).toBe(sha256(bytes));
      // S3's ETag of a multipart upload is a digest of its parts' digests, with their count after a dash.
      expect(await bucket.etag(name)).toMatch(/-3"?$/);

      const small = 'recordings/r5/poster.jpg';
      await parts.writeLocal(small, Buffer.from('under the threshold'));
      await parts.store(small);
      expect(await bucket.etag(small)).toMatch(/^"?[0-9a-f]{32}"?$/);
    } finally {
      bucket.close();
      await parts.close();
    }
  });
});
