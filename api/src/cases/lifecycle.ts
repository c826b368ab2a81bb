import { eq } from 'drizzle-orm';
import type { RecordingOutcome } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { cases, type liveSessions, type recordings } from '../db/schema.ts';
import { indexCase } from './search.ts';

/** A stopped recording becomes a case, processing until the recorder has finished it. */
export async function openCase(
  db: Db,
  session: typeof liveSessions.$inferSelect,
  recording: typeof recordings.$inferSelect,
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
