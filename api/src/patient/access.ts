import type { User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { forbidden } from '../http/errors.ts';
import { sessionFor, type SessionAccess } from '../sessions/access.ts';

/**
 * The session, if `user` is one of its members. The patient's banner and prior imaging are for
 * the people at this patient's care, not for every administrator who may see the session
 * (nor for anyone once a case is published: no case carries them).
 */
export async function memberOf(db: Db, id: string, user: User): Promise<SessionAccess> {
  const access = await sessionFor(db, id, user);
  if (!access.role) throw forbidden("Only the session's members see its patient", { type: 'session', id });
  return access;
}
