import { and, eq } from 'drizzle-orm';
import { CASE_EDIT_ROLES, mayAct, type User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { sessionMembers } from '../db/schema.ts';
import { notFound } from '../http/errors.ts';
import { caseById, type CaseRow } from './queries.ts';
import { canSeePatientImages } from '../sites/access.ts';

/**
 * Who sees a case: whoever may see its session's patient images (its members; admins, within
 * their site: sites/access.ts); everyone signed in once it is published and ready. Who edits:
 * the session's host or mentors, and admins who see it unpublished. Anyone else gets a 404, as if the case
 * did not exist.
 */
export async function caseFor(db: Db, id: string, user: User): Promise<{ row: CaseRow; canEdit: boolean }> {
  const row = await caseById(db, id);
  if (!row) throw notFound('Case', { type: 'case', id });
  const member = await db
    .select({ role: sessionMembers.role })
    .from(sessionMembers)
    .where(and(eq(sessionMembers.sessionId, row.sessionId), eq(sessionMembers.userId, user.id)))
    .get();
  // Publishing shows a case to everyone, but not to edit: an admin of another site may watch it only.
  const ownImages = await canSeePatientImages(db, user, row.sessionId);
  if (!ownImages && !(row.published && row.status === 'ready')) throw notFound('Case', { type: 'case', id });
  return { row, canEdit: ownImages && mayAct(user.role, member?.role, CASE_EDIT_ROLES) };
}
