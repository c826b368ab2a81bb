import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Settings } from '@loupe/protocol';
import { VERSITYGW_BIN } from './paths.ts';
import { START_DEADLINE_MS, freePort } from './ports.ts';
import { serviceAnswers, spawnService, type Service } from './service.ts';

export type VersityGwOptions = {
  /** The folder it serves, one sub-folder a bucket; a fresh temporary one when omitted (removed at stop). */
  dir?: string;
  /** The bucket made for Loupe's media. */
  bucket?: string;
  port?: number;
  echo?: boolean;
};

export type VersityGw = {
  /** LOUPE_S3_* for the api and the recorder. */
  env: Record<string, string>;
  /** The same, parsed (for a MediaStore in a test). */
  s3: S3Settings;
  /** Where the bucket's objects lie as files. */
  bucketDir: string;
  service: Service;
  /** Stops serving (the files stay): the bucket is unreachable. */
  pause(): Promise<void>;
  /** Serves again, on the same port, keys and folder. */
  resume(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * The real S3-compatible server versitygw (built by scripts/setup.sh) serving a folder on a free
 * loopback port, with one bucket and a fresh key: `make cluster`'s media store and the tests'.
 */
export async function startVersityGw(options: VersityGwOptions = {}): Promise<VersityGw> {
  const owned = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'loupe-s3-')));
  const bucket = options.bucket ?? 'loupe-media';
  // A bucket of versitygw's posix back end is a folder of the one it serves.
  const bucketDir = join(dir, bucket);
  await mkdir(bucketDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const accessKeyId = `loupe${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const endpoint = `http://127.0.0.1:${port}`;
  // Keys through the environment, not the command line that `ps` shows everyone.
  const env = { ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey, VGW_PORT: `127.0.0.1:${port}` };

  const launch = async () => {
    // With its metadata (extended attributes on the files), not `--nometa`: a multipart upload's
    // parts are checked against the ETags kept there, and without them every upload is refused.
    const service = spawnService('versitygw', VERSITYGW_BIN, ['posix', dir], { env, echo: options.echo });
    try {
      await serviceAnswers(service, endpoint, START_DEADLINE_MS);
    } catch (err) {
      await service.stop();
      throw new Error(`versitygw did not start: ${String(err)}\n${service.output()}`, { cause: err });
    }
    return service;
  };

  const s3: S3Settings = { bucket, endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, pathStyle: true };
  const handle: VersityGw = {
    env: {
      LOUPE_S3_BUCKET: bucket,
      LOUPE_S3_ENDPOINT: endpoint,
      LOUPE_S3_REGION: s3.region,
      LOUPE_S3_ACCESS_KEY: accessKeyId,
      LOUPE_S3_SECRET: secretAccessKey,
      LOUPE_S3_PATH_STYLE: 'true',
    },
    s3,
    bucketDir,
    service: await launch(),
    async pause() {
      await handle.service.stop();
    },
    async resume() {
      handle.service = await launch();
    },
    async stop() {
      await handle.service.stop();
      if (owned) await rm(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
