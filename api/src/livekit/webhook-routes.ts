import { Hono } from 'hono';
import { WebhookReceiver } from 'livekit-server-sdk';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { ApiError } from '../http/errors.ts';
import { livekitEvents } from '../db/schema.ts';

// Bodies larger than this are not LiveKit webhooks.
const MAX_BODY_BYTES = 256 * 1024;

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
    const inserted = await db
      .insert(livekitEvents)
      .values({
        id: event.id,
        event: event.event,
        roomName: event.room?.name ?? null,
        participantIdentity: event.participant?.identity ?? null,
        trackSid: event.track?.sid ?? null,
        occurredAt: new Date(Number(event.createdAt) * 1000),
        receivedAt: new Date(),
        payload: JSON.parse(body) as unknown,
      })
      .onConflictDoNothing()
      .returning({ id: livekitEvents.id });
    return c.json({ recorded: inserted.length === 1 }, 200);
  });
}
