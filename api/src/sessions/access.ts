import type { SessionRole, User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { ApiError, forbidden, notFound } from '../http/errors.ts';
import { getSessionRow, roleIn } from './queries.ts';

export type SessionAccess = {
  session: NonNullable<Awaited<ReturnType<typeof getSessionRow>>>;
  role: SessionRole | null;
};

/**
 * The session and the user's role in it: 404 when there is no such session, 403 for
 * someone neither invited nor an admin. Session ids are random UUIDs, not guessable.
 */
export async function sessionFor(db: Db, id: string, user: User): Promise<SessionAccess> {
  const session = await getSessionRow(db, id);
  if (!session) throw notFound('Session');
  const role = await roleIn(db, id, user.id);
  if (!role && user.role !== 'admin') throw forbidden('You are not invited to this session');
  return { session, role };
}

/** Host-only actions: invite, start, end. Admins may always act. */
export async function sessionAsHost(db: Db, id: string, user: User): Promise<SessionAccess> {
  const access = await sessionFor(db, id, user);
  if (access.role !== 'host' && user.role !== 'admin') throw forbidden('Only the session host can do this');
  return access;
}

export function assertNotEnded(access: SessionAccess): void {
  if (access.session.status === 'ended') throw new ApiError(409, 'conflict', 'This session has ended');
}
