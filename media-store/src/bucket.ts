/**
 * The media bucket through the AWS SDK's S3 client: object names are protocol's media paths
 * (protocol/src/case-media.ts) as they are, so a bucket reads like the media directory.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '@loupe/protocol';

export type Bucket = ReturnType<typeof openBucket>;

/** How long one request may take before it counts as the bucket unreachable (and is retried). */
const REQUEST_TIMEOUT_MS = 10_000;

export function openBucket(s: S3Settings) {
  const client = new S3Client({
    region: s.region,
    endpoint: s.endpoint,
    forcePathStyle: s.pathStyle,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    // The store retries on its own, for as long as it takes (store.ts); the SDK's three quick
    // attempts would only hide how long the bucket has been away.
    maxAttempts: 1,
    // The SDK's own lines repeat each failed try, with the whole request; the store logs the outage (store.ts).
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    requestHandler: { connectionTimeout: 2000, requestTimeout: REQUEST_TIMEOUT_MS },
  });
  const Bucket = s.bucket;
  return {
    name: Bucket,
    /**
     * Puts the local file at `path` as `name`, its length stated so the SDK streams it. A file that
     * grows meanwhile (the event log) is sent as it was when this began.
     */
    async put(name: string, path: string): Promise<void> {
      const { size } = await stat(path);
      const Body = size > 0 ? createReadStream(path, { end: size - 1 }) : Buffer.alloc(0);
      await client.send(new PutObjectCommand({ Bucket, Key: name, Body, ContentLength: size }));
    },
    /** The object's size, or null when there is none. */
    async size(name: string): Promise<number | null> {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: name }));
        return head.ContentLength ?? 0;
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },
    /** The object's bytes from `start` to `end` (inclusive), or all of it. */
    async read(name: string, range?: { start: number; end: number }): Promise<Readable | null> {
      try {
        const got = await client.send(new GetObjectCommand({ Bucket, Key: name, Range: range && `bytes=${range.start}-${range.end}` }));
        return got.Body as Readable;
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },
    /** The names under `prefix` (a folder, ending in `/`). */
    async list(prefix: string): Promise<string[]> {
      const names: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }));
        for (const o of page.Contents ?? []) if (o.Key) names.push(o.Key);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return names;
    },
    /** Deletes every object under `prefix`. */
    async removeAll(prefix: string): Promise<void> {
      const names = await this.list(prefix);
      for (let i = 0; i < names.length; i += 1000) {
        const Objects = names.slice(i, i + 1000).map((Key) => ({ Key }));
        const done = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects, Quiet: true } }));
        if (done.Errors?.length) throw new Error(`the bucket kept ${done.Errors.length} objects under ${prefix}: ${done.Errors[0]!.Message ?? ''}`);
      }
    },
    close(): void {
      client.destroy();
    },
  };
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
