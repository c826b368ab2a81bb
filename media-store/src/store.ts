/**
 * Where Loupe's media lives: the local media directory, and, when LOUPE_S3_* names one, a bucket
 * behind it. Every file is written to the directory first (ffmpeg, the still upload); with a
 * bucket it is then stored there, retried with backoff for as long as the bucket is away, and
 * only then may the local copy go. Reads take the local copy while there is one, else the bucket.
 * Names are protocol's media paths (protocol/src/case-media.ts), never anything from a request.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Settings } from '@loupe/protocol';
import type { Bucket } from './bucket.ts';

/** A file's size, and its bytes from `start` to `end` (inclusive) or all of them. */
export type MediaFile = { size: number; stream(range?: { start: number; end: number }): Promise<Readable> };

export type MediaStoreOptions = {
  /** The local media directory (LOUPE_MEDIA_DIR). */
  dir: string;
  /** The bucket, or null: the directory alone, as on one machine. */
  s3: S3Settings | null;
  /** The longest wait between two tries while the bucket is away. */
  maxBackoffMs?: number;
  /** Files this size and larger go up as a multipart upload (bucket.ts); tests lower it. */
  multipartFromBytes?: number;
  log?: (line: string) => void;
};

const FIRST_BACKOFF_MS = 250;

export class MediaStore {
  readonly dir: string;
  /** Loaded only with a bucket: the one-machine default never pays for the S3 client's start. */
  private readonly bucket: Promise<Bucket> | null;
  private readonly maxBackoffMs: number;
  private readonly log: (line: string) => void;
  /** What this process stored of each name (its size and time): a file unchanged since is not sent again. */
  private readonly stored = new Map<string, string>();
  /** Uploads running in the background (stills), to be stopped at close. */
  private readonly background = new Set<Promise<void>>();
  private readonly closing = new AbortController();

  constructor(o: MediaStoreOptions) {
    this.dir = o.dir;
    const s3 = o.s3;
    this.bucket = s3 ? import('./bucket.ts').then((m) => m.openBucket(s3, { multipartFromBytes: o.multipartFromBytes })) : null;
    this.maxBackoffMs = o.maxBackoffMs ?? 5000;
    this.log = o.log ?? ((line) => console.log(line));
  }

  /** Whether files are stored in a bucket (and the local copies are only on their way there). */
  get hasBucket(): boolean {
    return this.bucket !== null;
  }

  /** Where `name` is (or will be) written on this machine. */
  localPath(name: string): string {
    return join(this.dir, name);
  }

  /** The file `name`: the local copy while there is one, else the bucket's; null if neither has it. */
  async open(name: string): Promise<MediaFile | null> {
    // An open handle keeps reading even if the copy is released (unlinked) meanwhile.
    const handle = await open(this.localPath(name)).catch(() => null);
    if (handle) {
      const info = await handle.stat();
      if (info.isFile()) {
        // The stream owns the handle from here: it closes it when it ends or is destroyed.
        return { size: info.size, stream: async (range) => handle.createReadStream(range ?? {}) };
      }
      await handle.close();
    }
    const bucket = await this.bucket;
    if (!bucket) return null;
    const size = await bucket.size(name);
    if (size === null) return null;
    return {
      size,
      stream: async (range) => {
        const body = await bucket.read(name, range);
        if (!body) throw new Error(`${name} left the bucket while it was read`);
        return body;
      },
    };
  }

  /** The whole of `name`, or null. */
  async read(name: string): Promise<Buffer | null> {
    const file = await this.open(name);
    if (!file) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of await file.stream()) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** Writes `name` locally, whole or not at all (a crash mid-write leaves a temporary file, never half a file). */
  async writeLocal(name: string, bytes: Uint8Array): Promise<void> {
    const path = this.localPath(name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.part`, bytes);
    await rename(`${path}.part`, path);
  }

  /**
   * Stores the local file `name` in the bucket, trying again with backoff until it is there or
   * `signal` aborts. Keeps the local copy. Without a bucket, the file already is where it stays.
   */
  async store(name: string, signal?: AbortSignal): Promise<void> {
    const bucket = await this.bucket;
    if (!bucket) return;
    const version = await this.version(name);
    if (this.stored.get(name) === version) return;
    await this.untilDone(`storing ${name}`, () => bucket.put(name, this.localPath(name)), signal);
    this.stored.set(name, version);
  }

  /** The local file's size and modification time: what tells a file that grew (the event log) from one stored. */
  private async version(name: string): Promise<string> {
    const info = await stat(this.localPath(name));
    return `${info.size}:${info.mtimeMs}`;
  }

  /** Stores every local file under the folder `folder` (store). */
  async storeFolder(folder: string, signal?: AbortSignal): Promise<void> {
    for (const name of await this.localFiles(folder)) await this.store(name, signal);
  }

  /**
   * Stores `name` in the background, then removes the local copy: the still upload answers at
   * once, and a bucket away for an hour costs a wait, never the still.
   */
  storeInBackground(name: string): void {
    if (!this.bucket) return;
    const upload = this.store(name, this.closing.signal)
      .then(() => this.releaseLocal(name))
      .catch((err: unknown) => {
        if (!this.closing.signal.aborted) this.log(`media store: ${name} stays on this machine for now: ${String(err)}`);
      });
    this.background.add(upload);
    void upload.finally(() => this.background.delete(upload));
  }

  /** Sends whatever the folder still holds locally (left by a restart) to the bucket in the background. */
  async storeLeftovers(folder: string): Promise<void> {
    if (!this.bucket) return;
    for (const name of await this.localFiles(folder)) if (!name.endsWith('.part')) this.storeInBackground(name);
  }

  /**
   * Removes the local copy of `name` (a file or a folder) once it is stored. Without a bucket the
   * local copy is the only one, and stays.
   */
  async releaseLocal(name: string): Promise<void> {
    if (!this.bucket) return;
    for (const file of await this.localFiles(name)) {
      if (this.stored.get(file) !== (await this.version(file))) throw new Error(`${file} is not in the bucket yet: its local copy stays`);
    }
    await rm(this.localPath(name), { recursive: true, force: true });
  }

  /**
   * Fetches the objects under `folder` that are not on this machine: what a worker whose disk was
   * lost, or another worker, needs to carry on. Tries again with backoff until done or `signal` aborts.
   */
  async restore(folder: string, signal?: AbortSignal): Promise<void> {
    await this.untilDone(`fetching ${folder} from the bucket`, () => this.fetchMissing(folder), signal);
  }

  /** restore, but one try only: false when the bucket could not be asked (logged). */
  async tryRestore(folder: string): Promise<boolean> {
    try {
      await this.fetchMissing(folder);
      return true;
    } catch (err) {
      this.log(`media store: could not fetch ${folder} from the bucket: ${describe(err)}`);
      return false;
    }
  }

  private async fetchMissing(folder: string): Promise<void> {
    const bucket = await this.bucket;
    if (!bucket) return;
    {
      const have = new Set(await this.localFiles(folder));
      for (const name of await bucket.list(`${folder}/`)) {
        if (have.has(name)) continue;
        const body = await bucket.read(name);
        if (!body) continue;
        const path = this.localPath(name);
        await mkdir(dirname(path), { recursive: true });
        await pipeline(body, createWriteStream(`${path}.part`));
        await rename(`${path}.part`, path);
        this.stored.set(name, await this.version(name));
      }
    }
  }

  /** Deletes `name` (a file or a folder) here and in the bucket. */
  async remove(name: string): Promise<void> {
    await rm(this.localPath(name), { recursive: true, force: true });
    for (const stored of this.stored.keys()) if (stored === name || stored.startsWith(`${name}/`)) this.stored.delete(stored);
    const bucket = await this.bucket;
    if (!bucket) return;
    await bucket.removeAll(name);
  }

  /** Stops the background uploads (their local copies stay, for the next start) and closes the client. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all(this.background);
    (await this.bucket)?.close();
  }

  /** The local files under `name` (a folder, or the file itself), as media names. */
  private async localFiles(name: string): Promise<string[]> {
    const root = this.localPath(name);
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOTDIR') return null;
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    if (entries === null) return [name];
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(this.dir, join(e.parentPath, e.name)).split('\\').join('/'))
      .sort();
  }

  /** `attempt` until it succeeds or `signal` aborts, waiting longer after each failure up to maxBackoffMs. */
  private async untilDone(what: string, attempt: () => Promise<void>, signal?: AbortSignal): Promise<void> {
    for (let failures = 0; ; failures++) {
      signal?.throwIfAborted();
      try {
        await attempt();
        if (failures > 0) this.log(`media store: ${what} done after ${failures} failed tries`);
        return;
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const wait = Math.min(this.maxBackoffMs, FIRST_BACKOFF_MS * 2 ** failures);
        // The first failure, then one line a minute or so: a bucket away for an hour is one story.
        if (failures % 12 === 0) this.log(`media store: ${what} failed (${describe(err)}); trying again every ${wait / 1000} s at most`);
        await sleep(wait, undefined, { signal });
      }
    }
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string };
  return [e.name, e.code, e.message].filter(Boolean).join(': ') || String(err);
}
