import { Hono } from 'hono';
import { WebhookReceiver } from 'livekit-server-sdk';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { ApiError } from '../http/errors.ts';
import { livekitEvents } from '../db/schema.ts';
import { recordJoin } from './joins.ts';
import { admit } from './admission.ts';
import { Id } from '@loupe/protocol';
import { latestRecording } from '../recordings/queries.ts';
import { announceRecording } from '../recordings/lifecycle.ts';

// Bodies larger than this are not LiveKit webhooks.
const MAX_BODY_BYTES = 256 * 1024;
// livekit-server 1.13 retries a failed delivery 4 times, 1, 2, 4 and 8 s apart, and sends queued
// events one after another, so a delivery can trail its event by tens of seconds; an event older
// than this (or this far ahead of our clock) is a replay, not a delivery. A re-delivery inside
// the window is recorded once, by its id. Joins a longer outage lost come from catch-up.ts.
const EVENT_WINDOW_MS = 5 * 60_000;

/**
 * LiveKit webhooks. The signature (a JWT over the body's SHA-256 in the Authorization
 * header) is always verified. LiveKit retries and may duplicate or reorder deliveries, so
 * each event is stored once by its id and carries its own occurrence time. A join is stored
 * once whoever reports it first, this route or the catch-up (joins.ts).
 */
export function webhookRoutes({ db, config, rooms }: AppDeps) {
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
    const payload = JSON.parse(body) as unknown;
    if (event.event === 'participant_joined' && event.room && event.participant) {
      // Checked against the catch-up's rows too: a join it recovered while this delivery was
      // being retried is not audited twice.
      const { identity, name, attributes, joinedAt } = event.participant;
      const participant = { identity, name, attributes, joinedAt: Number(joinedAt) };
      const recorded = await recordJoin(db, { id: event.id, room: event.room.name, participant, occurredAt, source: 'webhook', payload });
      // Whoever may no longer be there (removed, demoted, the session ended) is put right at once,
      // whatever token they came with. Every delivery is checked, not only the first of a join:
      // two joins in the same second share LiveKit's joinedAt and are stored as one.
      await admit(db, rooms, event.room.name, participant);
      return c.json({ recorded }, 200);
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
        payload,
      })
      .onConflictDoNothing()
      .returning({ id: livekitEvents.id });
    // A room made again (livekit-server restarted, or everyone had left) starts with no metadata:
    // it is told at once whether its session is being recorded, so no page shows Record while
    // the api records, nor REC while it does not.
    if (event.event === 'room_started' && event.room && Id.safeParse(event.room.name).success) {
      await announceRecording({ rooms }, event.room.name, await latestRecording(db, event.room.name));
    }
    return c.json({ recorded: inserted.length === 1 }, 200);
  });
}
