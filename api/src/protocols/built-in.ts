import { BUILT_IN_PROTOCOLS } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { scanProtocols } from '../db/schema.ts';

/**
 * Stores the built-in scan protocols (protocol/src/scan-protocols.json) that the database does
 * not have yet. A version once stored is never rewritten: a changed built-in list ships as the
 * next version, and exams that ran on the old one keep it.
 */
export async function storeBuiltInProtocols(db: Db): Promise<void> {
  await db
    .insert(scanProtocols)
    .values(
      BUILT_IN_PROTOCOLS.map((p) => ({ key: p.key, version: p.version, examType: p.examType, name: p.name, source: p.source, views: p.views, builtIn: true })),
    )
    .onConflictDoNothing();
}
