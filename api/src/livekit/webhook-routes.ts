import { Hono } from 'hono';
import { WebhookReceiver, type ParticipantInfo } from 'livekit-server-sdk';
import { Id } from '@loupe/protocol';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { ApiError } from '../http/errors.ts';
import { livekitEvents } from '../db/schema.ts';
import { recordAudit, type NewAuditEntry } from '../audit/audit.ts';

// Bodies larger than this are not LiveKit webhooks.
const MAX_BODY_BYTES = 256 * 1024;
// livekit-server drops an event still queued after 30 s and retries a failed delivery for
// about two minutes more; an event older than this (or this far ahead of our clock) is a
// replay, not a delivery. A re-delivery inside the window is recorded once, by its id.
const EVENT_WINDOW_MS = 5 * 60_000;

/** LiveKit's word that someone is in a session's room, whatever the api was asked before. */
function joinedRoom(room: string, p: ParticipantInfo, occurredAt: Date): NewAuditEntry {
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
    },
  };
}

/**
 * LiveKit webhooks. The signature (a JWT over the body's SHA-256 in the Authorization
 * header) is always verified. LiveKit retries and may duplicate or reorder deliveries, so
 * each event is stored once by its id and carries its own occurrence time.
 */
export function webhookRoutes({ db, config }: AppDeps) {
  const receiver = new WebhookReceiver(config.livekit.apiKey, config.livekit.apiSecret);
  return new Hono<AppEnv>().post('/livekit', async (c) => {
    const body = await c.req.text();
    if (body.length > MAX_BODY_BYTES) throw new ApiError(413, 'invalid_request', 'Webhook body too large');
    const auth = c.req.header('Authorization');
    if (!auth) throw new ApiError(401, 'unauthenticated', 'Missing webhook signature');
    const event = await receiver.receive(body, auth).catch(() => {
      throw new ApiError(401, 'unauthenticated', 'Invalid webhook signature');
    });
    if (!event.id) throw new ApiError(400, 'invalid_request', 'Webhook event has no id');
    const occurredAt = new Date(Number(event.createdAt) * 1000);
    // Written so that an out-of-range time (NaN) is refused too.
    if (!(Math.abs(Date.now() - occurredAt.getTime()) <= EVENT_WINDOW_MS)) {
      throw new ApiError(400, 'invalid_request', 'Webhook event is outside the accepted time window');
    }
    const inserted = await db
      .insert(livekitEvents)
      .values({
        id: event.id,
        event: event.event,
        roomName: event.room?.name ?? null,
        participantIdentity: event.participant?.identity ?? null,
        trackSid: event.track?.sid ?? null,
        occurredAt,
        receivedAt: new Date(),
        payload: JSON.parse(body) as unknown,
      })
      .onConflictDoNothing()
      .returning({ id: livekitEvents.id });
    if (inserted.length === 1 && event.event === 'participant_joined' && event.room && event.participant) {
      await recordAudit(db, joinedRoom(event.room.name, event.participant, occurredAt));
    }
    return c.json({ recorded: inserted.length === 1 }, 200);
  });
}
