import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import * as schema from './schema.ts';

export type Db = ReturnType<typeof drizzle<typeof schema>>;

const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the database: a local libSQL file by default, or a libSQL server
 * (`libsql://…` with an auth token) by configuration alone.
 */
export async function openDb(url: string, authToken?: string): Promise<{ db: Db; client: Client }> {
  // Several processes (api, recorder) write the same file: the busy timeout makes a writer wait
  // for the lock instead of failing with "database is locked". It is given to the client, not
  // set by PRAGMA, because the client opens more connections when requests overlap, and a
  // PRAGMA reaches only the connection it ran on.
  const client = createClient(authToken ? { url, authToken } : { url, timeout: BUSY_TIMEOUT_MS });
  if (url.startsWith('file:')) {
    // WAL (kept in the file itself) lets readers run beside a writer.
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA foreign_keys = ON');
  }
  return { db: drizzle(client, { schema }), client };
}

/**
 * The same database for the rate-limit counters, which most requests write (a search, a token,
 * a sign-in): through one connection whose commits are not each flushed to disk (WAL with
 * `synchronous = NORMAL`: a power cut may lose the last few counts and never corrupts the file).
 * A flush a request cost 0.3 ms on this machine's disk and costs several on a spinning one.
 * Everything else keeps its flush per commit. A libSQL server keeps its own durability.
 */
export async function openCountersDb(url: string, authToken?: string): Promise<{ db: Db; client: Client }> {
  if (!url.startsWith('file:')) return openDb(url, authToken);
  // One connection: the local driver runs each statement to its end before the next, and a
  // PRAGMA reaches only the connection it ran on.
  const client = createClient({ url, timeout: BUSY_TIMEOUT_MS, concurrency: 1 });
  await client.execute('PRAGMA synchronous = NORMAL');
  return { db: drizzle(client, { schema }), client };
}
