import { desc, eq, inArray } from 'drizzle-orm';
import { ACTIVE_RECORDING_STATUSES, type Recording } from '@loupe/protocol';
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
  };
}

/** The session's newest recording, if any. */
export function latestRecording(db: Db, sessionId: string): Promise<RecordingRow | undefined> {
  return db.select().from(recordings).where(eq(recordings.sessionId, sessionId)).orderBy(desc(recordings.startedAt)).get();
}

export function activeRecordings(db: Db): Promise<RecordingRow[]> {
  return db.select().from(recordings).where(inArray(recordings.status, [...ACTIVE_RECORDING_STATUSES])).all();
}
