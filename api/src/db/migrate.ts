import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { Db } from './client.ts';
import { storeBuiltInProtocols } from '../protocols/built-in.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** Applies every migration in migrations/ that the database has not seen, then stores the built-in scan protocols. Idempotent. */
export async function migrateDb(db: Db): Promise<void> {
  await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  await storeBuiltInProtocols(db);
}
