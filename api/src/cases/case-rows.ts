/**
 * A case's row and media, as the lifecycle changes them (recordings/lifecycle.ts is the only
 * caller). The search index follows the row by itself: triggers on the cases table keep
 * cases_fts in step (migrations/0008_cases_fts_triggers.sql).
 */
import { eq } from 'drizzle-orm';
import type { MediaStore } from '@loupe/media-store';
import { recordingFolder, type RecordingOutcome } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { cases, type liveSessions, type recordings } from '../db/schema.ts';

/**
 * A stopped recording becomes a case, processing until the recorder has finished it, kept
 * `retentionMs` from the recording's start unless an editor changes that. Idempotent.
 */
export async function openCase(
  db: Db,
  session: typeof liveSessions.$inferSelect,
  recording: typeof recordings.$inferSelect,
  retentionMs: number,
): Promise<void> {
  await db
    .insert(cases)
    .values({
      id: crypto.randomUUID(),
      sessionId: session.id,
      recordingId: recording.id,
      status: 'processing',
      title: session.title,
      procedure: session.procedure,
      specialty: session.specialty,
      recordedAt: recording.startedAt,
      retainUntil: new Date(recording.startedAt.getTime() + retentionMs),
    })
    .onConflictDoNothing();
}

/**
 * The recorder's outcome: ready with its chapters, or failed. Its duration and failure stay
 * on the recording, which the case reads them from. Idempotent.
 */
export async function closeCase(db: Db, recordingId: string, outcome: RecordingOutcome): Promise<void> {
  await db.update(cases).set({ status: outcome.status, chapters: outcome.chapters }).where(eq(cases.recordingId, recordingId));
}

/**
 * Deletes a case: its media first, so that if that fails the row is still there to try again,
 * then the row (its search entry goes with it). Idempotent; false when the row was already gone.
 */
export async function removeCase(db: Db, media: MediaStore, row: Pick<typeof cases.$inferSelect, 'id' | 'recordingId'>): Promise<boolean> {
  await media.remove(recordingFolder(row.recordingId));
  const deleted = await db.delete(cases).where(eq(cases.id, row.id)).returning({ id: cases.id });
  return deleted.length > 0;
}
