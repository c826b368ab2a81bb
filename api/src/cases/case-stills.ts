/**
 * A teaching case's stills: the exam stills and freeze frames taken while its recording ran,
 * each at its moment on the case's timeline. The recorder logged that moment in the case's
 * track when the room heard of the still; a case recorded before it did falls back on the
 * api's own guess (stills.at_ms, blind to pauses).
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { CASE_FILES, CaseTrack, recordingFiles, stillMoments, type CaseStill, type ScanProtocol } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { cases, exams, stills } from '../db/schema.ts';
import { protocolVersion, toStill } from '../exams/queries.ts';
import type { MediaStore } from '@loupe/media-store';
import type { CaseRow } from './queries.ts';

/** The case's track, or null when it is missing or unreadable (the stills keep their fallback moments). */
async function readTrack(media: MediaStore, recordingId: string): Promise<CaseTrack | null> {
  const text = (await media.read(recordingFiles(recordingId).caseFile(CASE_FILES.annotations)))?.toString('utf8') ?? null;
  if (text === null) return null;
  try {
    return CaseTrack.safeParse(JSON.parse(text)).data ?? null;
  } catch {
    return null;
  }
}

/** The case's stills in the order they sit on its timeline. */
export async function caseStills(db: Db, media: MediaStore, row: CaseRow): Promise<CaseStill[]> {
  const rows = await db.select().from(stills).where(eq(stills.recordingId, row.recordingId)).orderBy(asc(stills.capturedAt));
  if (rows.length === 0) return [];
  const track = await readTrack(media, row.recordingId);
  const moments = track ? stillMoments(track) : new Map<string, number>();
  const end = track?.durationMs ?? row.durationMs ?? Infinity;
  const examIds = [...new Set(rows.flatMap((s) => (s.examId ? [s.examId] : [])))];
  const examRows = examIds.length ? await db.select().from(exams).where(inArray(exams.id, examIds)) : [];
  const protocols = new Map<string, ScanProtocol | undefined>();
  for (const e of examRows) protocols.set(e.id, await protocolVersion(db, e.protocolKey, e.protocolVersion));
  return rows
    .map((s): CaseStill => {
      const exam = examRows.find((e) => e.id === s.examId);
      return {
        still: toStill(s),
        atMs: Math.max(0, Math.min(moments.get(s.id) ?? s.atMs ?? 0, end)),
        exam: exam ? { id: exam.id, status: exam.status } : null,
        view: (exam && protocols.get(exam.id)?.views.find((v) => v.key === s.viewKey)) ?? null,
      };
    })
    .sort((a, b) => a.atMs - b.atMs);
}

/** Whether the still is in a published, ready case: then everyone signed in may see it, like the case. */
export async function inPublishedCase(db: Db, still: { sessionId: string; recordingId: string | null }): Promise<boolean> {
  if (!still.recordingId) return false;
  const row = await db
    .select({ id: cases.id })
    .from(cases)
    .where(and(eq(cases.recordingId, still.recordingId), eq(cases.sessionId, still.sessionId), eq(cases.published, true), eq(cases.status, 'ready')))
    .get();
  return !!row;
}

/** Whether a still of the exam belongs to a published, ready case: its report is then for everyone who may see that case. */
export async function examInPublishedCase(db: Db, examId: string): Promise<boolean> {
  const row = await db
    .select({ id: cases.id })
    .from(stills)
    .innerJoin(cases, and(eq(cases.recordingId, stills.recordingId), eq(cases.sessionId, stills.sessionId)))
    .where(and(eq(stills.examId, examId), eq(cases.published, true), eq(cases.status, 'ready')))
    .get();
  return !!row;
}
