import type { SessionRole, User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { ApiError, forbidden, notFound } from '../http/errors.ts';
import { getSessionRow, roleIn } from './queries.ts';

export type SessionAccess = {
  session: NonNullable<Awaited<ReturnType<typeof getSessionRow>>>;
  role: SessionRole | null;
};

/**
 * The session and the user's role in it. Someone neither invited nor an admin gets the same
 * 404 as for a session that does not exist, so that a session's existence is not told to
 * outsiders (as for cases); members refused an action get a 403. Ids are random UUIDs.
 */
export async function sessionFor(db: Db, id: string, user: User): Promise<SessionAccess> {
  const session = await getSessionRow(db, id);
  if (!session) throw notFound('Session', { type: 'session', id });
  const role = await roleIn(db, id, user.id);
  if (!role && user.role !== 'admin') throw notFound('Session', { type: 'session', id });
  return { session, role };
}

/** Host-only actions: invite, start, end. Admins may always act. */
export async function sessionAsHost(db: Db, id: string, user: User): Promise<SessionAccess> {
  const access = await sessionFor(db, id, user);
  if (access.role !== 'host' && user.role !== 'admin') throw forbidden('Only the session host can do this', { type: 'session', id });
  return access;
}

export function assertNotEnded(access: SessionAccess): void {
  if (access.session.status === 'ended') throw new ApiError(409, 'conflict', 'This session has ended');
}
