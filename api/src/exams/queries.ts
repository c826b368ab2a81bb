import { and, asc, eq, inArray } from 'drizzle-orm';
import { AnnotationOp, type Exam, type ScanProtocol, type Still } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { exams, scanProtocols, stills } from '../db/schema.ts';

type ExamRow = typeof exams.$inferSelect;
type StillRow = typeof stills.$inferSelect;

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Drawings were checked on the way in; a row written by an older version that no longer parses shows none. */
const drawingsOf = (row: StillRow) => AnnotationOp.array().safeParse(row.drawings).data ?? [];

export function toStill(row: StillRow): Still {
  return {
    id: row.id,
    sessionId: row.sessionId,
    examId: row.examId,
    viewKey: row.viewKey,
    kind: row.kind,
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    capturedBy: row.capturedBy,
    capturedAt: row.capturedAt.toISOString(),
    recordingId: row.recordingId,
    atMs: row.atMs,
    verdict: row.verdict,
    score: row.score,
    reason: row.reason,
    comment: row.comment,
    verdictBy: row.verdictBy,
    verdictAt: iso(row.verdictAt),
    drawings: drawingsOf(row),
    pacs: { state: row.pacsState, attempts: row.pacsAttempts, error: row.pacsError, sentAt: iso(row.pacsSentAt) },
  };
}

function toExam(row: ExamRow, stillRows: StillRow[]): Exam {
  return {
    id: row.id,
    sessionId: row.sessionId,
    protocolKey: row.protocolKey,
    protocolVersion: row.protocolVersion,
    status: row.status,
    deidentified: row.patient === null,
    startedAt: row.startedAt.toISOString(),
    signedAt: iso(row.signedAt),
    signedBy: row.signedBy,
    comment: row.comment,
    stills: stillRows.filter((s) => s.examId === row.id).map(toStill),
  };
}

/** The session's exams with their stills, oldest first. */
export async function listExams(db: Db, sessionId: string): Promise<Exam[]> {
  const rows = await db.select().from(exams).where(eq(exams.sessionId, sessionId)).orderBy(asc(exams.startedAt));
  if (rows.length === 0) return [];
  const stillRows = await db
    .select()
    .from(stills)
    .where(
      inArray(
        stills.examId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(stills.capturedAt));
  return rows.map((row) => toExam(row, stillRows));
}

export async function loadExam(db: Db, row: ExamRow): Promise<Exam> {
  const stillRows = await db.select().from(stills).where(eq(stills.examId, row.id)).orderBy(asc(stills.capturedAt));
  return toExam(row, stillRows);
}

export async function getExamRow(db: Db, id: string): Promise<ExamRow | undefined> {
  return (await db.select().from(exams).where(eq(exams.id, id)))[0];
}

export async function getStillRow(db: Db, id: string): Promise<StillRow | undefined> {
  return (await db.select().from(stills).where(eq(stills.id, id)))[0];
}

/** One stored protocol version, as the schema reads it. */
export async function protocolVersion(db: Db, key: string, version: number): Promise<ScanProtocol | undefined> {
  const [row] = await db
    .select()
    .from(scanProtocols)
    .where(and(eq(scanProtocols.key, key), eq(scanProtocols.version, version)));
  return row && { key: row.key, version: row.version, examType: row.examType, name: row.name, source: row.source, views: row.views };
}
