import { and, eq } from 'drizzle-orm';
import type { SessionRole, User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { liveSessions } from '../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { AuditActor } from '../audit/request.ts';
import { conflict, forbidden, notFound } from '../http/errors.ts';
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
  if (access.session.status === 'ended') throw conflict('session_ended', 'This session has ended');
}

/**
 * The session and the user's role in it, for acting in its live room (a token, an overlay
 * request): only someone invited, an admin's account not standing in, and only before it ends.
 */
export async function sessionToJoin(db: Db, id: string, user: User): Promise<SessionAccess & { role: SessionRole }> {
  const access = await sessionFor(db, id, user);
  const { session, role } = access;
  if (!role) throw forbidden('You are not invited to this session', { type: 'session', id });
  assertNotEnded(access);
  return { session, role };
}

/** Session roles whose arrival in the live room starts a scheduled session: it is happening. */
const ROLES_THAT_START: readonly SessionRole[] = ['host', 'theatre'];

/**
 * Marks a scheduled session live, the moment it really starts: the host presses Start, or the
 * host or theatre joins the live room (the dashboard then agrees with the room), or a recording
 * starts. Idempotent; returns the session as it is now.
 */
export async function markLive(db: Db, access: SessionAccess, actor: AuditActor, how: 'start' | 'joined' | 'recording') {
  if (access.session.status !== 'scheduled') return access.session;
  const [session] = await db
    .update(liveSessions)
    .set({ status: 'live', startedAt: access.session.startedAt ?? new Date() })
    .where(and(eq(liveSessions.id, access.session.id), eq(liveSessions.status, 'scheduled')))
    .returning();
  if (!session) return (await getSessionRow(db, access.session.id)) ?? access.session;
  await recordAudit(db, { ...actor, action: 'session.started', targetType: 'session', targetId: session.id, sessionId: session.id, detail: { how } });
  return session;
}

/** Whether this person joining the live room starts the session. */
export const startsSession = (role: SessionRole | null) => !!role && ROLES_THAT_START.includes(role);
