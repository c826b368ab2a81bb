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
