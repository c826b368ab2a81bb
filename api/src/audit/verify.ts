import { asc, gt } from 'drizzle-orm';
import type { AuditChain } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import { GENESIS, entryHash } from './audit.ts';
import { anchorCheck, type AnchorLine } from './anchor.ts';

const VERIFY_BATCH = 1000;

/**
 * Walks the whole log, oldest first, and reports the first entry that does not hold in the
 * chain, and the first of `anchors` (the anchor file's lines) the log no longer matches: cut
 * short, or rebuilt with other hashes.
 */
export async function verifyAuditChain(db: Db, anchors: AnchorLine[] = []): Promise<AuditChain> {
  const check = anchorCheck(anchors);
  let expected = 1;
  let prevHash = GENESIS;
  let brokenAt: number | null = null;
  let lastSeq = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.seq, lastSeq)).orderBy(asc(auditLog.seq)).limit(VERIFY_BATCH);
    for (const row of rows) {
      if (brokenAt === null && (row.seq !== expected || row.prevHash !== prevHash || row.hash !== entryHash(row))) brokenAt = expected;
      if (brokenAt === null) {
        prevHash = row.hash;
        expected++;
      }
      // Past a break the links prove nothing more, but each stored hash still meets its anchors:
      // a log tampered with once and then cut short or rebuilt is reported for both.
      check.entry(row.seq, row.hash);
      lastSeq = row.seq;
    }
    if (rows.length < VERIFY_BATCH) break;
  }
  const anchorFailure = check.failure(lastSeq);
  return {
    ok: brokenAt === null && anchorFailure === null,
    checked: expected - 1,
    brokenAt,
    head: brokenAt === null && expected > 1 ? prevHash : null,
    anchors: check.count,
    anchoredAt: check.latestAt,
    anchorFailure,
  };
}
