/**
 * A participant's join, recorded once whoever reports it first: LiveKit's webhook, or the
 * catch-up that asks livekit-server who is in the room (catch-up.ts). Both store a
 * `participant_joined` row in livekit_events and write the same `session.joined_room` audit entry.
 */
import { and, eq, sql } from 'drizzle-orm';
import { Id } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { livekitEvents } from '../db/schema.ts';
import { recordAudit, type NewAuditEntry } from '../audit/audit.ts';
import type { RoomParticipant } from './rooms.ts';

/** Who reported the join: the webhook as it happened, or the catch-up after webhooks were lost. */
export type JoinSource = 'webhook' | 'catch-up';

export type Join = {
  /** The webhook's event id, or catchUpEventId() for a join the webhooks missed. */
  id: string;
  room: string;
  participant: RoomParticipant;
  occurredAt: Date;
  source: JoinSource;
  /** Stored as the row's payload: the webhook's body as received, or one shaped like it. */
  payload: unknown;
};

/** Deterministic, so that every catch-up round names the same join the same way. */
export const catchUpEventId = (room: string, p: RoomParticipant) => `catch-up:${room}:${p.identity}:${p.joinedAt}`;

/** The joins already stored for a room, as `identity joinedAt` keys (see joinKey). */
export async function storedJoins(db: Db, room: string): Promise<Set<string>> {
  const rows = await db
    .select({
      identity: livekitEvents.participantIdentity,
      // Protobuf's JSON writes int64 as a string: read as a number.
      joinedAt: sql<number>`cast(json_extract(${livekitEvents.payload}, '$.participant.joinedAt') as integer)`,
    })
    .from(livekitEvents)
    .where(and(eq(livekitEvents.roomName, room), eq(livekitEvents.event, 'participant_joined')));
  return new Set(rows.map((r) => joinKey(r.identity ?? '', Number(r.joinedAt))));
}

export const joinKey = (identity: string, joinedAt: number) => `${identity} ${joinedAt}`;

/** LiveKit's word that someone is in a session's room, whatever the api was asked before. */
export function joinedRoom(room: string, p: RoomParticipant, occurredAt: Date, source: JoinSource): NewAuditEntry {
  // Identities are user ids, `<user id>:display:<n>` for a display-only screen, or the recorder's own.
  const userId = p.identity.split(':')[0]!;
  return {
    action: 'session.joined_room',
    actorId: Id.safeParse(userId).success ? userId : null,
    actorLabel: p.name || p.identity,
    targetType: 'session',
    targetId: room,
    sessionId: room,
    detail: {
      identity: p.identity,
      role: p.attributes.role ?? null,
      displayOnly: p.attributes.display === 'true',
      occurredAt: occurredAt.toISOString(),
      source,
    },
  };
}

/**
 * Stores the join and audits it, unless this join is already stored: the same event id, or
 * (LiveKit's `joinedAt` being set, as it always is) another row for the same room, identity and
 * join time, which is how a webhook retried late and the catch-up recognise each other's row.
 * Check and insert are one statement, so a webhook and a catch-up round racing for the same join
 * (likely just after a restart) cannot both win. Returns whether this call recorded it.
 */
export async function recordJoin(db: Db, join: Join): Promise<boolean> {
  const { id, room, participant, occurredAt, payload } = join;
  const sameJoin = db
    .select({ id: livekitEvents.id })
    .from(livekitEvents)
    .where(
      and(
        eq(livekitEvents.event, 'participant_joined'),
        eq(livekitEvents.roomName, room),
        eq(livekitEvents.participantIdentity, participant.identity),
        // Protobuf's JSON writes int64 as a string: compared as a number.
        sql`cast(json_extract(${livekitEvents.payload}, '$.participant.joinedAt') as integer) = ${participant.joinedAt}`,
      ),
    );
  // Without LiveKit's join time only the id tells deliveries apart. `WHERE true`: SQLite needs a
  // WHERE before an upsert's ON CONFLICT (https://sqlite.org/lang_upsert.html, parsing ambiguity).
  const unlessStored = participant.joinedAt > 0 ? sql`WHERE NOT EXISTS ${sameJoin}` : sql`WHERE true`;
  // The columns in the table's order: id, event, room, identity, track, occurred, received, payload.
  const values = sql`${id}, 'participant_joined', ${room}, ${participant.identity}, NULL,
    ${occurredAt.getTime()}, ${Date.now()}, ${JSON.stringify(payload)}`;
  const inserted = await db
    .insert(livekitEvents)
    .select(sql`SELECT ${values} ${unlessStored}`)
    .onConflictDoNothing()
    .returning({ id: livekitEvents.id });
  if (inserted.length === 0) return false;
  try {
    await recordAudit(db, joinedRoom(room, participant, occurredAt, join.source));
  } catch (err) {
    // Not stored without its audit entry: the next delivery or catch-up round records both.
    await db.delete(livekitEvents).where(eq(livekitEvents.id, id));
    throw err;
  }
  return true;
}
