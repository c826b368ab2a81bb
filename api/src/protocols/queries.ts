import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { ScanView, StoredProtocol } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { ApiError } from '../http/errors.ts';
import { exams, referenceImages, scanProtocols } from '../db/schema.ts';

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

/** Refuses a protocol whose views name a reference image the api does not have (upload it first). */
export async function assertImagesKept(db: Db, views: readonly ScanView[]): Promise<void> {
  const named = [...new Set(views.flatMap((v) => (v.referenceImage ? [v.referenceImage] : [])))];
  if (named.length === 0) return;
  const kept = new Set((await db.select({ id: referenceImages.id }).from(referenceImages).where(inArray(referenceImages.id, named))).map((r) => r.id));
  const missing = views.find((v) => v.referenceImage && !kept.has(v.referenceImage));
  if (missing) throw new ApiError(400, 'invalid_request', `The reference image of view "${missing.key}" was never uploaded; upload it, then save`);
}

/** The reference image a view of one protocol version names, if it names one. */
export async function viewReferenceImage(db: Db, key: string, version: number, viewKey: string) {
  const [row] = await db
    .select({ views: scanProtocols.views })
    .from(scanProtocols)
    .where(and(eq(scanProtocols.key, key), eq(scanProtocols.version, version)));
  const id = row?.views.find((v) => v.key === viewKey)?.referenceImage;
  if (!id) return undefined;
  const [image] = await db.select({ type: referenceImages.type, data: referenceImages.data }).from(referenceImages).where(eq(referenceImages.id, id));
  return image;
}
