/**
 * Configuration from the environment, in one style for every process: each parses its own
 * schema once at start, built from the rules below, and stops with a message that names every
 * bad variable. What more than one process reads is defined here once, so that no two can
 * disagree about a variable's name, rule or default. Every variable is documented in the
 * repository's .env.example. No Node here: callers pass `process.env`.
 */
import { z } from 'zod';

/** A whole number from `min` to `max`, from the variable's text. */
export function envInteger(min: number, max: number) {
  const error = `expected a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A number from `min` to `max`, fractions allowed. */
export function envNumber(min: number, max: number) {
  const error = `expected a number from ${min} to ${max}`;
  return z.coerce.number({ error }).min(min, { error }).max(max, { error });
}

/** true or false (1 or 0). */
export const envFlag = z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }).transform((v) => v === 'true' || v === '1');

/** A URL with one of these schemes. */
export function envUrl(...schemes: [string, ...string[]]) {
  const error = `expected a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`;
  return z.url({ protocol: new RegExp(`^(${schemes.join('|')})$`), error });
}

/** A key, secret or token: never echoed in a message (see parseEnv). */
export function envSecret(minLength: number) {
  return z.string({ error: 'required' }).min(minLength, `expected at least ${minLength} characters`);
}

/**
 * The variables more than one process reads. A service picks the ones it needs
 * (`SharedEnv.pick({ LIVEKIT_URL: true })`) and extends them with its own.
 */
export const SharedEnv = z.object({
  /** The libSQL database: the api, its migration and seed scripts, `make start`. */
  LOUPE_DB_URL: z.string().min(1).default('file:data/loupe.db'),
  LOUPE_DB_AUTH_TOKEN: z.string().optional(),
  /** Where the api listens: the api, and `make start`, which derives LOUPE_API_URL from them. */
  LOUPE_API_HOST: z.string().default('127.0.0.1'),
  LOUPE_API_PORT: envInteger(1, 65535).default(8787),
  /** Where the recorder and the web server reach the api. */
  LOUPE_API_URL: envUrl('http', 'https').default('http://127.0.0.1:8787'),
  /** The origin browsers load Loupe from: the api's origin check, `make start`'s ORIGIN for the web server. */
  LOUPE_PUBLIC_URL: envUrl('http', 'https').default('http://127.0.0.1:3000'),
  /** Recordings and cases: the recorder writes them, the api serves and deletes them. */
  LOUPE_MEDIA_DIR: z.string().min(1).default('data/media'),
  /** The recorder's bearer token on the api's /internal routes. */
  LOUPE_RECORDER_TOKEN: envSecret(32),
  /** How the api and the recorder reach livekit-server. */
  LIVEKIT_URL: envUrl('http', 'https', 'ws', 'wss').default('http://127.0.0.1:7880'),
  /** The livekit-server browsers connect to: the api hands it out, the web pages' CSP allows it. */
  LIVEKIT_PUBLIC_URL: envUrl('ws', 'wss', 'http', 'https').default('ws://127.0.0.1:7880'),
  LIVEKIT_API_KEY: envSecret(3),
  LIVEKIT_API_SECRET: envSecret(32),
  /**
   * The livekit-server nodes of a cluster (docs/scaling.md), comma-separated: the api hands one
   * that answers out with each token and reaches the room service through them; the pages' CSP
   * allows them all. Unset: one node, LIVEKIT_URL and LIVEKIT_PUBLIC_URL.
   */
  LOUPE_LIVEKIT_URLS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim().replace(/\/$/, ''))
        .filter(Boolean),
    )
    .pipe(z.array(envUrl('ws', 'wss', 'http', 'https')).min(1, 'expected a comma-separated list of ws:// or wss:// URLs'))
    .optional(),
  /** An S3 bucket for the media (the recorder writes it, the api serves from it); unset: the media directory alone. */
  LOUPE_S3_BUCKET: z.string().min(3).optional(),
  /** The S3 server; unset: AWS's own endpoint for the region. */
  LOUPE_S3_ENDPOINT: envUrl('http', 'https').optional(),
  LOUPE_S3_REGION: z.string().min(1).default('us-east-1'),
  LOUPE_S3_ACCESS_KEY: envSecret(3).optional(),
  LOUPE_S3_SECRET: envSecret(8).optional(),
  /** Bucket in the path (`endpoint/bucket/name`), as versitygw and MinIO want; unset: true when an endpoint is given. */
  LOUPE_S3_PATH_STYLE: envFlag.optional(),
});

/** The LOUPE_S3_* variables, picked together by every process that reads or writes media. */
export const S3_ENV_KEYS = {
  LOUPE_S3_BUCKET: true,
  LOUPE_S3_ENDPOINT: true,
  LOUPE_S3_REGION: true,
  LOUPE_S3_ACCESS_KEY: true,
  LOUPE_S3_SECRET: true,
  LOUPE_S3_PATH_STYLE: true,
} as const;

/** Where the media bucket is and how to sign in to it. */
export type S3Settings = { bucket: string; endpoint: string | undefined; region: string; accessKeyId: string; secretAccessKey: string; pathStyle: boolean };

/**
 * The bucket from the parsed LOUPE_S3_* variables, or null when LOUPE_S3_BUCKET is unset. A bucket
 * without its keys is an error in parseEnv's words, not a silent fall back to the disk.
 */
export function s3Settings(e: {
  LOUPE_S3_BUCKET?: string | undefined;
  LOUPE_S3_ENDPOINT?: string | undefined;
  LOUPE_S3_REGION: string;
  LOUPE_S3_ACCESS_KEY?: string | undefined;
  LOUPE_S3_SECRET?: string | undefined;
  LOUPE_S3_PATH_STYLE?: boolean | undefined;
}): S3Settings | null {
  if (!e.LOUPE_S3_BUCKET) {
    if (e.LOUPE_S3_ENDPOINT) throw new Error('invalid configuration:\n  LOUPE_S3_BUCKET: required with LOUPE_S3_ENDPOINT, not set');
    return null;
  }
  const missing = (['LOUPE_S3_ACCESS_KEY', 'LOUPE_S3_SECRET'] as const).filter((name) => !e[name]);
  if (missing.length) throw new Error(`invalid configuration:\n${missing.map((name) => `  ${name}: required with LOUPE_S3_BUCKET, not set`).join('\n')}`);
  return {
    bucket: e.LOUPE_S3_BUCKET,
    endpoint: e.LOUPE_S3_ENDPOINT,
    region: e.LOUPE_S3_REGION,
    accessKeyId: e.LOUPE_S3_ACCESS_KEY!,
    secretAccessKey: e.LOUPE_S3_SECRET!,
    pathStyle: e.LOUPE_S3_PATH_STYLE ?? e.LOUPE_S3_ENDPOINT !== undefined,
  };
}

/** Names whose values are never quoted back: a configuration error must not put a secret in a log. */
const SECRET_NAME = /_(KEY|SECRET|TOKEN)$/;

/**
 * The environment parsed with `schema`. An empty variable counts as unset, as in .env.example
 * ("Empty: the default"). Throws one error naming every bad variable and why.
 *
 * @example
 * const config = parseEnv(SharedEnv.pick({ LIVEKIT_URL: true }), process.env);
 * // LIVEKIT_URL=abc throws: invalid configuration:
 * //   LIVEKIT_URL: expected a URL starting with http:// or https:// or ws:// or wss://, got "abc"
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Readonly<Record<string, string | undefined>>): z.output<S> {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(set);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    // The variable, also for an issue inside its value (an item of a list).
    const name = String(issue.path[0] ?? '');
    const raw = set[name];
    if (raw === undefined && issue.code === 'invalid_type') return `${name}: required, not set`;
    return raw === undefined || SECRET_NAME.test(name) ? `${name}: ${issue.message}` : `${name}: ${issue.message}, got ${JSON.stringify(raw)}`;
  });
  throw new Error(`invalid configuration:\n${[...new Set(problems)].map((p) => `  ${p}`).join('\n')}`);
}

/** What an entry point hands configOrExit: Node's `process`, or a stand-in in a test. */
export type EntryProcess = { env: Readonly<Record<string, string | undefined>>; exit(code: number): never };

/**
 * For an entry point: its configuration parsed from the environment, or the reason on stderr as
 * `service: invalid configuration: …` and exit code 1, before the service does anything else.
 */
export function configOrExit<T>(service: string, parse: (env: EntryProcess['env']) => T, proc: EntryProcess): T {
  try {
    return parse(proc.env);
  } catch (err) {
    console.error(`${service}: ${(err as Error).message}`);
    return proc.exit(1);
  }
}
