/** `pnpm --filter @loupe/api migrate`: applies pending migrations to LOUPE_DB_URL. */
import { openDb } from './client.ts';
import { migrateDb } from './migrate.ts';

const url = process.env.LOUPE_DB_URL ?? 'file:data/loupe.db';
const { db, client } = await openDb(url, process.env.LOUPE_DB_AUTH_TOKEN);
await migrateDb(db);
client.close();
console.log(`migrated ${url}`);
