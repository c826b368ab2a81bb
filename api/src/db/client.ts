import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import * as schema from './schema.ts';

export type Db = ReturnType<typeof drizzle<typeof schema>>;

/**
 * Opens the database: a local libSQL file by default, or a libSQL server
 * (`libsql://…` with an auth token) by configuration alone.
 */
export async function openDb(url: string, authToken?: string): Promise<{ db: Db; client: Client }> {
  const client = createClient(authToken ? { url, authToken } : { url });
  if (url.startsWith('file:')) {
    // Several processes (api, recorder) write the same file: WAL lets readers run beside a
    // writer, and the busy timeout makes a writer wait for the lock instead of failing with
    // "database is locked".
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA busy_timeout = 5000');
    await client.execute('PRAGMA foreign_keys = ON');
  }
  return { db: drizzle(client, { schema }), client };
}
