import { asc, desc, eq, sql } from 'drizzle-orm';
import type { StoredProtocol } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { exams, scanProtocols } from '../db/schema.ts';

type ProtocolRow = typeof scanProtocols.$inferSelect;

/** Versions exams ran on, as `key@version`: those never change. */
async function versionsInUse(db: Db): Promise<Set<string>> {
  const rows = await db.selectDistinct({ key: exams.protocolKey, version: exams.protocolVersion }).from(exams);
  return new Set(rows.map((r) => `${r.key}@${r.version}`));
}

const toStored = (row: ProtocolRow, inUse: Set<string>): StoredProtocol => ({
  key: row.key,
  version: row.version,
  examType: row.examType,
  name: row.name,
  source: row.source,
  views: row.views,
  builtIn: row.builtIn,
  inUse: inUse.has(`${row.key}@${row.version}`),
  createdAt: row.createdAt.toISOString(),
});

/** The latest version of every protocol, by key. */
export async function latestProtocols(db: Db): Promise<StoredProtocol[]> {
  const latest = db
    .select({ key: scanProtocols.key, version: sql<number>`max(${scanProtocols.version})`.as('latest') })
    .from(scanProtocols)
    .groupBy(scanProtocols.key)
    .as('latest');
  const rows = await db
    .select({ p: scanProtocols })
    .from(scanProtocols)
    .innerJoin(latest, sql`${latest.key} = ${scanProtocols.key} and ${latest.version} = ${scanProtocols.version}`)
    .orderBy(asc(scanProtocols.key));
  const inUse = await versionsInUse(db);
  return rows.map((r) => toStored(r.p, inUse));
}

/** Every version of one protocol, newest first. */
export async function protocolVersions(db: Db, key: string): Promise<StoredProtocol[]> {
  const rows = await db.select().from(scanProtocols).where(eq(scanProtocols.key, key)).orderBy(desc(scanProtocols.version));
  const inUse = await versionsInUse(db);
  return rows.map((r) => toStored(r, inUse));
}
