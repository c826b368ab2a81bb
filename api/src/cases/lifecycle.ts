import { rm } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import type { RecordingOutcome } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { cases, type liveSessions, type recordings } from '../db/schema.ts';
import { recordingDir } from './media.ts';
import { indexCase, unindexCase } from './search.ts';

type CaseRow = typeof cases.$inferSelect;

/**
 * A stopped recording becomes a case, processing until the recorder has finished it, kept
 * `retentionMs` from the recording's start unless an editor changes that.
 */
export async function openCase(
  db: Db,
  session: typeof liveSessions.$inferSelect,
  recording: typeof recordings.$inferSelect,
  retentionMs: number,
): Promise<void> {
  const [row] = await db
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
    .onConflictDoNothing()
    .returning();
  if (row) await indexCase(db, row);
}

/** The recorder's outcome: ready with its duration and chapters, or failed with a reason. Idempotent. */
export async function closeCase(db: Db, recordingId: string, outcome: RecordingOutcome): Promise<void> {
  const [row] = await db
    .update(cases)
    .set({ status: outcome.status, durationMs: outcome.durationMs, failure: outcome.failure, chapters: outcome.chapters })
    .where(eq(cases.recordingId, recordingId))
    .returning();
  if (row) await indexCase(db, row);
}

/**
 * Deletes a case: its media first, so that if that fails the row is still there to try again,
 * then the row and its search entry. Idempotent; false when the row was already gone.
 */
export async function removeCase(db: Db, mediaDir: string, row: CaseRow): Promise<boolean> {
  await rm(recordingDir(mediaDir, row.recordingId), { recursive: true, force: true });
  const deleted = await db.delete(cases).where(eq(cases.id, row.id)).returning({ id: cases.id });
  await unindexCase(db, row.id);
  return deleted.length > 0;
}
