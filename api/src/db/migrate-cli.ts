/** `pnpm --filter @loupe/api migrate`: applies pending migrations to LOUPE_DB_URL. */
import { configOrExit } from '@loupe/protocol';
import { parseDbConfig } from '../env.ts';
import { openDb } from './client.ts';
import { migrateDb } from './migrate.ts';

const { url, authToken } = configOrExit('api', parseDbConfig, process);
const { db, client } = await openDb(url, authToken);
await migrateDb(db);
client.close();
console.log(`migrated ${url}`);
