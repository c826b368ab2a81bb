import { and, eq } from 'drizzle-orm';
import { CASE_EDIT_ROLES, mayAct, type User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { sessionMembers } from '../db/schema.ts';
import { notFound } from '../http/errors.ts';
import { caseById, type CaseRow } from './queries.ts';

/**
 * Who sees a case: admins; anyone who was in its session; everyone signed in once it is
 * published and ready. Who edits: admins, and the session's host or mentors. Anyone else gets
 * a 404, as if the case did not exist.
 */
export async function caseFor(db: Db, id: string, user: User): Promise<{ row: CaseRow; canEdit: boolean }> {
  const row = await caseById(db, id);
  if (!row) throw notFound('Case', { type: 'case', id });
  if (user.role === 'admin') return { row, canEdit: true };
  const member = await db
    .select({ role: sessionMembers.role })
    .from(sessionMembers)
    .where(and(eq(sessionMembers.sessionId, row.sessionId), eq(sessionMembers.userId, user.id)))
    .get();
  const visible = !!member || (row.published && row.status === 'ready');
  if (!visible) throw notFound('Case', { type: 'case', id });
  return { row, canEdit: mayAct(user.role, member?.role, CASE_EDIT_ROLES) };
}
