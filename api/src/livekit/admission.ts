/**
 * What the server decided is what the room obeys, at once. livekit-server checks a token only
 * when someone connects, and hands connected clients fresh tokens of its own: a member removed,
 * demoted or whose session ended still holds a token that connects. So every join the api hears
 * of (LiveKit's webhook, or the catch-up that asks who is in the room) and every change of
 * membership is checked against the session as it is now, and the room is put right: someone
 * who may no longer be there is removed, someone whose role changed gets the new role's
 * attributes and permissions.
 */
import { and, eq } from 'drizzle-orm';
import { CAPTURING_RECORDING_STATUSES, Id, type SessionRole } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { recordings } from '../db/schema.ts';
import { getSessionRow, roleIn } from '../sessions/queries.ts';
import { recordAudit } from '../audit/audit.ts';
import type { RoomControl, RoomParticipant } from './rooms.ts';
import { roomAttributes, roomPermission } from './token.ts';

/** What to do with someone in a session's room. */
export type Verdict = { action: 'keep' } | { action: 'remove'; because: string } | { action: 'change'; role: SessionRole };

/** Identities are user ids, `<user id>:display:<hex>` for a display-only screen, or `recorder:<recording id>`. */
function parseIdentity(identity: string): { kind: 'recorder'; recordingId: string } | { kind: 'person'; userId: string; displayOnly: boolean } {
  if (identity.startsWith('recorder:')) return { kind: 'recorder', recordingId: identity.slice('recorder:'.length) };
  const [userId, display] = identity.split(':');
  return { kind: 'person', userId: userId!, displayOnly: display === 'display' };
}

/** The verdict on `p` in `room` (a session id), from the database as it is now. */
export async function judge(db: Db, room: string, p: RoomParticipant): Promise<Verdict> {
  if (!Id.safeParse(room).success) return { action: 'remove', because: 'not a session’s room' };
  const session = await getSessionRow(db, room);
  if (!session) return { action: 'remove', because: 'no such session' };
  if (session.status === 'ended') return { action: 'remove', because: 'the session has ended' };
  const who = parseIdentity(p.identity);
  if (who.kind === 'recorder') {
    if (!Id.safeParse(who.recordingId).success) return { action: 'remove', because: 'not a recording' };
    const recording = await db
      .select({ status: recordings.status })
      .from(recordings)
      .where(and(eq(recordings.id, who.recordingId), eq(recordings.sessionId, room)))
      .get();
    const capturing = recording && (CAPTURING_RECORDING_STATUSES as readonly string[]).includes(recording.status);
    return capturing ? { action: 'keep' } : { action: 'remove', because: 'the recording is not running' };
  }
  if (!Id.safeParse(who.userId).success) return { action: 'remove', because: 'not a member' };
  const role = await roleIn(db, room, who.userId);
  if (!role) return { action: 'remove', because: 'not a member of the session' };
  return p.attributes.role === role ? { action: 'keep' } : { action: 'change', role };
}

/** Puts the room right for one participant; returns the verdict it acted on. */
export async function admit(db: Db, rooms: RoomControl, room: string, p: RoomParticipant): Promise<Verdict> {
  const verdict = await judge(db, room, p);
  if (verdict.action === 'keep') return verdict;
  const who = parseIdentity(p.identity);
  const displayOnly = who.kind === 'person' && who.displayOnly;
  const acted =
    verdict.action === 'remove'
      ? await rooms.removeParticipant(room, p.identity)
      : await rooms.updateParticipant(room, p.identity, { ...roomAttributes(verdict.role, p.name, displayOnly) }, roomPermission(verdict.role, displayOnly));
  // Already gone (a repeated webhook, a round that raced the route): nothing done, nothing to audit.
  if (!acted) return verdict;
  await recordAudit(db, {
    action: verdict.action === 'remove' ? 'session.room_refused' : 'session.room_role_changed',
    actorId: null,
    actorLabel: 'Loupe',
    targetType: 'session',
    targetId: room,
    sessionId: room,
    detail: {
      identity: p.identity,
      name: p.name,
      tokenRole: p.attributes.role ?? null,
      ...(verdict.action === 'remove' ? { because: verdict.because } : { role: verdict.role }),
    },
  });
  return verdict;
}

/**
 * After a change of membership (removed, new role, session ended), puts right everyone of that
 * user in the room now: their own participant and any display-only screens of theirs.
 */
export async function readmitUser(db: Db, rooms: RoomControl, room: string, userId: string): Promise<void> {
  const present = await rooms.listParticipants(room);
  for (const p of present) {
    const who = parseIdentity(p.identity);
    if (who.kind === 'person' && who.userId === userId) await admit(db, rooms, room, p);
  }
}
