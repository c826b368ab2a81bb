import { and, desc, eq, getTableColumns, inArray, or, sql, type SQL } from 'drizzle-orm';
import { CASE_EDIT_ROLES, mayAct, type Case, type CaseDetail, type CaseQuery, type User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { cases, liveSessions, recordings, sessionMembers, users } from '../db/schema.ts';
import { sessionsWithVisibleImages } from '../sites/access.ts';
import { ftsQuery } from './search.ts';

/**
 * A case as the api reads it: its row, with its recording's duration and failure, which are
 * stored on the recording only.
 */
export type CaseRow = typeof cases.$inferSelect & Pick<typeof recordings.$inferSelect, 'durationMs' | 'failure'>;

const caseColumns = { ...getTableColumns(cases), durationMs: recordings.durationMs, failure: recordings.failure };

/** Cases with their recording's outcome; narrow with `.where()`. */
export function selectCases(db: Db) {
  // A left join keeps cases the outer loop, so a page is read in the cases index's order; every
  // case has its recording (cases.recording_id is a foreign key).
  return db.select(caseColumns).from(cases).leftJoin(recordings, eq(recordings.id, cases.recordingId));
}

/** One case by id, with its recording's outcome. */
export function caseById(db: Db, id: string): Promise<CaseRow | undefined> {
  return selectCases(db).where(eq(cases.id, id)).get();
}

export function toCase(row: CaseRow, canEdit: boolean): Case {
  return {
    id: row.id,
    sessionId: row.sessionId,
    status: row.status,
    failure: row.failure,
    title: row.title,
    description: row.description,
    procedure: row.procedure,
    specialty: row.specialty,
    tags: row.tags,
    learningPoints: row.learningPoints,
    published: row.published,
    durationMs: row.durationMs,
    recordedAt: row.recordedAt.toISOString(),
    retainUntil: row.retainUntil.toISOString(),
    chapters: row.chapters,
    canEdit,
  };
}

/** Who confirmed, when starting the case's recording, that consent is on file and no identifiers are in view. */
export async function consentRecord(db: Db, recordingId: string): Promise<CaseDetail['consent']> {
  const row = await db
    .select({ by: users.name, at: recordings.consentAt })
    .from(recordings)
    .innerJoin(users, eq(users.id, recordings.consentBy))
    .where(eq(recordings.id, recordingId))
    .get();
  // A case's recording and the person who started it are never deleted while the case exists.
  return { by: row!.by, at: row!.at.toISOString() };
}

/**
 * How many matches of a search are looked at. A word in nearly every case ("surgery") would
 * otherwise make each search count and sort the whole library; FTS5 yields matches in rowid
 * order, so taking the newest N stops early. Beyond N the answer says it was capped.
 */
export const SEARCH_CANDIDATES = 2000;

/** The cases a user may see, filtered and searched, newest first, one page at a time. */
export async function listCases(
  db: Db,
  user: User,
  query: CaseQuery,
  candidates = SEARCH_CANDIDATES,
): Promise<{ rows: CaseRow[]; total: number; capped: boolean; editable: Set<string> }> {
  const conditions: SQL[] = [];
  const seen = sessionsWithVisibleImages(db, user, cases.sessionId);
  if (seen) conditions.push(or(and(eq(cases.published, true), eq(cases.status, 'ready')), seen)!);
  if (query.site) {
    conditions.push(inArray(cases.sessionId, db.select({ id: liveSessions.id }).from(liveSessions).where(eq(liveSessions.siteId, query.site))));
  }
  if (query.specialty) conditions.push(eq(cases.specialty, query.specialty));
  if (query.procedure) conditions.push(eq(cases.procedure, query.procedure));
  const match = query.q ? ftsQuery(query.q) : null;
  let capped = false;
  if (match) {
    // The newest matches as one JSON array, made and read back by SQLite: the index is searched
    // once (at 1 M cases that is most of the time), and its 2 000 ids cross into JavaScript as
    // one string and go back as one parameter, not as 2 000 rows and 2 000 parameters twice.
    const [{ ids } = { ids: '[]' }] = await db.all<{ ids: string }>(
      sql`SELECT json_group_array(case_id) AS ids FROM (SELECT case_id FROM cases_fts WHERE cases_fts MATCH ${match} ORDER BY rowid DESC LIMIT ${candidates + 1})`,
    );
    const found = JSON.parse(ids) as string[];
    capped = found.length > candidates;
    const kept = capped ? JSON.stringify(found.slice(0, candidates)) : ids;
    conditions.push(sql`${cases.id} IN (SELECT value FROM json_each(${kept}))`);
  }
  const where = conditions.length ? and(...conditions) : undefined;

  const [{ total } = { total: 0 }] = await db
    .select({ total: sql<number>`count(*)` })
    .from(cases)
    .where(where);
  const rows = await selectCases(db)
    .where(where)
    .orderBy(desc(cases.recordedAt))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize);

  const sessions = [...new Set(rows.map((r) => r.sessionId))];
  const roles = sessions.length
    ? await db
        .select({ sessionId: sessionMembers.sessionId, role: sessionMembers.role })
        .from(sessionMembers)
        .where(and(eq(sessionMembers.userId, user.id), inArray(sessionMembers.sessionId, sessions)))
    : [];
  // As caseFor: an admin edits the cases whose images they see unpublished (sites/access.ts).
  const visibleSession = sessionsWithVisibleImages(db, user, liveSessions.id);
  const ownImages =
    visibleSession && sessions.length
      ? await db
          .select({ id: liveSessions.id })
          .from(liveSessions)
          .where(and(inArray(liveSessions.id, sessions), visibleSession))
      : null;
  const editable = new Set(
    rows
      .filter((r) => !ownImages || ownImages.some((s) => s.id === r.sessionId))
      .filter((r) => mayAct(user.role, roles.find((m) => m.sessionId === r.sessionId)?.role, CASE_EDIT_ROLES))
      .map((r) => r.id),
  );
  return { rows, total, capped, editable };
}
