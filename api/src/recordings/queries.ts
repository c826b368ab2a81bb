import { desc, eq, inArray } from 'drizzle-orm';
import { ACTIVE_RECORDING_STATUSES, type ActiveRecordingStatus, type Recording } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { recordings } from '../db/schema.ts';

type RecordingRow = typeof recordings.$inferSelect;

export function toRecording(row: RecordingRow): Recording {
  return {
    id: row.id,
    sessionId: row.sessionId,
    status: row.status,
    consentBy: row.consentBy,
    consentAt: row.consentAt.toISOString(),
    startedAt: row.startedAt.toISOString(),
    stoppedAt: row.stoppedAt?.toISOString() ?? null,
    durationMs: row.durationMs,
    failure: row.failure,
    degraded: row.degraded,
  };
}

/** The session's newest recording, if any. */
export function latestRecording(db: Db, sessionId: string): Promise<RecordingRow | undefined> {
  return db.select().from(recordings).where(eq(recordings.sessionId, sessionId)).orderBy(desc(recordings.startedAt)).get();
}

const isActive = (row: RecordingRow): row is RecordingRow & { status: ActiveRecordingStatus } =>
  (ACTIVE_RECORDING_STATUSES as readonly string[]).includes(row.status);

/** Recordings the recorder has work on, their status typed as such. */
export async function activeRecordings(db: Db): Promise<(RecordingRow & { status: ActiveRecordingStatus })[]> {
  const rows = await db
    .select()
    .from(recordings)
    .where(inArray(recordings.status, [...ACTIVE_RECORDING_STATUSES]))
    .all();
  return rows.filter(isActive);
}
