/**
 * The media bucket through the AWS SDK's S3 client: object names are protocol's media paths
 * (protocol/src/case-media.ts) as they are, so a bucket reads like the media directory.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Settings } from '@loupe/protocol';

export type Bucket = ReturnType<typeof openBucket>;

/** How long one request may take before it counts as the bucket unreachable (and is retried). */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * Files from this size on go up in parts: S3 refuses a single PUT past 5 GiB (a long case.mp4),
 * and a part that fails is sent again alone, not the whole file.
 */
export const MULTIPART_FROM_BYTES = 64 * 1024 * 1024;
/** S3's smallest part but the last is 5 MiB, and an upload has at most 10,000 parts. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
const PART_BYTES = 16 * 1024 * 1024;

/** The part size for a file of `size` bytes: PART_BYTES, or more when 10,000 of them would not hold it. */
export function partBytes(size: number): number {
  return Math.max(PART_BYTES, MIN_PART_BYTES, Math.ceil(size / MAX_PARTS));
}

export type BucketOptions = {
  /** Files this size and larger are sent as a multipart upload; MULTIPART_FROM_BYTES by default (tests lower it). */
  multipartFromBytes?: number;
};

export function openBucket(s: S3Settings, o: BucketOptions = {}) {
  const multipartFrom = o.multipartFromBytes ?? MULTIPART_FROM_BYTES;
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
  /**
   * One multipart upload, part after part from the file as it was when this began. A failure
   * aborts the upload, so the bucket keeps no orphaned parts; the store retries the whole of it.
   */
  async function putInParts(Key: string, path: string, size: number): Promise<void> {
    // Each part carries its CRC32, which the bucket checks, and the whole its combination.
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'CRC32' }));
    if (!UploadId) throw new Error(`the bucket started no multipart upload for ${Key}`);
    const file = await open(path);
    try {
      const step = partBytes(size);
      const parts: { PartNumber: number; ETag: string; ChecksumCRC32?: string | undefined }[] = [];
      for (let start = 0, PartNumber = 1; start < size; start += step, PartNumber++) {
        const length = Math.min(step, size - start);
        const { buffer } = await file.read(Buffer.alloc(length), 0, length, start);
        const part = await client.send(
          new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: buffer, ContentLength: length, ChecksumAlgorithm: 'CRC32' }),
        );
        if (!part.ETag) throw new Error(`the bucket gave no ETag for part ${PartNumber} of ${Key}`);

        parts.push({ PartNumber, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
      }
      await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw err;
    } finally {
      await file.close();
    }
  }

  return {
    name: Bucket,
    /**
     * Puts the local file at `path` as `name`, its length stated so the SDK streams it. A file that
     * grows meanwhile (the event log) is sent as it was when this began.
     */
    async put(name: string, path: string): Promise<void> {
      const { size } = await stat(path);
      if (size >= multipartFrom) return putInParts(name, path, size);
      const Body = size > 0 ? createReadStream(path, { end: size - 1 }) : Buffer.alloc(0);
      await client.send(new PutObjectCommand({ Bucket, Key: name, Body, ContentLength: size }));
    },
    /** The object's ETag as the bucket gives it (a multipart upload's ends `-<parts>`), or null when there is none. */
    async etag(name: string): Promise<string | null> {
      try {
        return (await client.send(new HeadObjectCommand({ Bucket, Key: name }))).ETag ?? '';
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
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
