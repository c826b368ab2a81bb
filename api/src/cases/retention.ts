/**
 * Retention: a case whose keep-until date has passed expires (recordings/lifecycle.ts: media
 * first, then its row and search entry, and an audit entry). The api sweeps at start and
 * every hour (one api process of a cluster does); a case whose recording the recorder is still working on waits for the next sweep.
 */
import { and, asc, eq, lte, notInArray } from 'drizzle-orm';
import type { MediaStore } from '@loupe/media-store';
import { ACTIVE_RECORDING_STATUSES } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { cases, recordings } from '../db/schema.ts';
import { endCase, type Mover } from '../recordings/lifecycle.ts';
import { runOncePerCluster } from '../leases/lease.ts';

const SWEEP_EVERY_MS = 3_600_000;

/** In the audit log, an expiry is the system's. */
const SYSTEM: Mover = { actor: { actorId: null, actorLabel: 'system', ip: null } };

/**
 * Expires every case due by `now` and returns how many it deleted. Safe to run twice, or in two
 * processes at once: only the one whose delete removed the row writes the audit entry. A case
 * that cannot be deleted (a media file the service may not remove) is reported and retried.
 */
export async function sweepExpiredCases(db: Db, media: MediaStore, now = new Date()): Promise<number> {
  const due = await db
    .select({ row: cases })
    .from(cases)
    .innerJoin(recordings, eq(recordings.id, cases.recordingId))
    .where(and(lte(cases.retainUntil, now), notInArray(recordings.status, [...ACTIVE_RECORDING_STATUSES])))
    .orderBy(asc(cases.retainUntil));
  let deleted = 0;
  for (const { row } of due) {
    try {
      if (await endCase(db, media, row, { type: 'expire', now }, SYSTEM)) deleted++;
    } catch (err) {
      console.error(`retention: could not delete case ${row.id}:`, err instanceof Error ? err.message : err);
    }
  }
  return deleted;
}

/**
 * Sweeps now and then every hour until the returned stop() is called, in one api process of
 * the cluster at a time (`owner` is this one's name; api/src/leases/lease.ts).
 */
export function startRetentionSweeper(db: Db, media: MediaStore, owner: string): () => Promise<void> {
  return runOncePerCluster(db, { name: 'retention', owner, everyMs: SWEEP_EVERY_MS, job: () => sweepExpiredCases(db, media) });
}
