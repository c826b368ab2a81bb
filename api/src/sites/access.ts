import { and, eq, inArray, isNull, or, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { liveSessions, sessionMembers } from '../db/schema.ts';

/**
 * Whose patient images a person sees, as a condition on a column holding session ids:
 * the sessions they are a member of; for an admin of a site, also every session of that site
 * and every session of no site; for an admin of no site (who runs the installation), every
 * session (undefined: no condition). Nobody else at one site sees another site's images,
 * members of the same site included: being at the hospital is not being at the bedside.
 * Published cases are seen by everyone besides; callers add that (see canSeePatientImages).
 */
export function sessionsWithVisibleImages(db: Db, user: User, sessionId: SQLiteColumn): SQL | undefined {
  if (user.role === 'admin' && !user.siteId) return undefined;
  const mine = db.select({ id: sessionMembers.sessionId }).from(sessionMembers).where(eq(sessionMembers.userId, user.id));
  if (user.role !== 'admin') return inArray(sessionId, mine);
  const ofMySite = db
    .select({ id: liveSessions.id })
    .from(liveSessions)
    .where(or(isNull(liveSessions.siteId), eq(liveSessions.siteId, user.siteId!)));
  return or(inArray(sessionId, mine), inArray(sessionId, ofMySite));
}

/**
 * Whether `user` may see the patient images of a session: its cases' video and stills. The one
 * rule of issue 15, "nobody at one site sees another site's patient images unless they are a
 * member of that session or the case is published" (see sessionsWithVisibleImages).
 * `published`: the images are in a published, ready case (stills never are).
 * @example if (!(await canSeePatientImages(db, user, still.sessionId))) throw notFound('Still', …)
 */
export async function canSeePatientImages(db: Db, user: User, sessionId: string, published = false): Promise<boolean> {
  if (published) return true;
  const row = await db
    .select({ id: liveSessions.id })
    .from(liveSessions)
    .where(and(eq(liveSessions.id, sessionId), sessionsWithVisibleImages(db, user, liveSessions.id)))
    .get();
  return !!row;
}
