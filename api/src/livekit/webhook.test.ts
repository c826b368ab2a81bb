import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AccessToken } from 'livekit-server-sdk';
import { TEST_KEYS, createTestApi, ok, refused, type TestApi } from '../../test/fixture.ts';
import { eq } from 'drizzle-orm';
import { auditLog, livekitEvents } from '../db/schema.ts';

let api: TestApi;
beforeEach(async () => {
  api = await createTestApi();
});
afterEach(() => api.close());

/** Signs a body the way livekit-server does: a JWT carrying the body's SHA-256. */
async function sign(body: string, keys = TEST_KEYS, ttl?: string): Promise<string> {
  const at = new AccessToken(keys.apiKey, keys.apiSecret, ttl ? { ttl } : {});
  at.sha256 = createHash('sha256').update(body).digest('base64');
  return at.toJwt();
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function event(id: string, kind = 'participant_joined', createdAt = nowSeconds()) {
  return JSON.stringify({
    event: kind,
    id,
    createdAt: String(createdAt),
    room: { name: 'room-1', sid: 'RM_1' },
    participant: { identity: 'user-1', sid: 'PA_1' },
  });
}

const post = (body: string, auth?: string) => api.webhook(body, auth);

const recorded = () => api.db.select().from(livekitEvents).orderBy(livekitEvents.occurredAt, livekitEvents.id).all();
const joinsAudited = async () => (await api.db.select().from(auditLog).where(eq(auditLog.action, 'session.joined_room')).all()).length;

describe('POST /webhooks/livekit', () => {
  it('records a correctly signed event once, however often it is delivered', async () => {
    const createdAt = nowSeconds() - 20;
    const body = event('EV_one', 'participant_joined', createdAt);
    expect(await ok(post(body, await sign(body)), 200)).toEqual({ recorded: true });
    expect(await ok(post(body, await sign(body)))).toEqual({ recorded: false });
    const rows = await recorded();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: 'EV_one',
      event: 'participant_joined',
      roomName: 'room-1',
      participantIdentity: 'user-1',
      occurredAt: new Date(createdAt * 1000),
    });
  });

  it('refuses an unsigned, tampered, foreign-signed or expired delivery, recording nothing', async () => {
    const body = event('EV_two');
    expect(await refused(post(body), 401)).toEqual({ error: { code: 'unauthenticated', message: 'Missing webhook signature' } });
    // A valid signature, over another body.
    const tampered = body.replace('user-1', 'intruder');
    expect((await post(tampered, await sign(body))).status).toBe(401);
    const foreign = await sign(body, { apiKey: 'APIother', apiSecret: 'another-secret-that-is-long-enough-000' });
    expect((await post(body, foreign)).status).toBe(401);
    expect((await post(body, 'Bearer not-a-jwt')).status).toBe(401);
    // livekit-server signs each delivery for 5 minutes: a captured request replayed later is refused.
    expect((await post(body, await sign(body, TEST_KEYS, '1 minute ago'))).status).toBe(401);
    expect(await recorded()).toHaveLength(0);
  });

  it('refuses as a replay a correctly signed event that happened outside the delivery window', async () => {
    for (const createdAt of [nowSeconds() - 6 * 60, nowSeconds() + 6 * 60, 0]) {
      const body = event(`EV_${createdAt}`, 'participant_joined', createdAt);
      const refusal = await refused(post(body, await sign(body)), 400);
      expect(refusal).toEqual({ error: { code: 'invalid_request', message: 'Webhook event is outside the accepted time window' } });
    }
    // Retried deliveries of a recent event are still welcome.
    const recent = event('EV_recent', 'participant_joined', nowSeconds() - 150);
    expect(await ok(post(recent, await sign(recent)))).toEqual({ recorded: true });
    expect((await recorded()).map((r) => r.id)).toEqual(['EV_recent']);
  });

  it('keeps each event once, in the order it happened, whatever the order and repetition of deliveries', async () => {
    // One room's life: started, a participant joins, publishes, leaves, the room finishes.
    const t0 = nowSeconds() - 100;
    const life = ['room_started', 'participant_joined', 'track_published', 'participant_left', 'room_finished'].map((kind, i) => ({
      id: `EV_${i}_${kind}`,
      body: event(`EV_${i}_${kind}`, kind, t0 + i * 10),
    }));
    // Every event delivered at least once, some several times, in any order.
    const deliveries = fc.tuple(fc.array(fc.nat(life.length - 1), { maxLength: 8 }), fc.infiniteStream(fc.nat())).map(([extra, shuffle]) => {
      const order = [...life.keys(), ...extra];
      for (let i = order.length - 1; i > 0; i--) {
        const j = shuffle.next().value % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      return order;
    });
    await fc.assert(
      fc.asyncProperty(deliveries, async (order) => {
        await api.db.delete(livekitEvents);
        const joinsBefore = await joinsAudited();
        const firsts: number[] = [];
        for (const index of order) {
          const { body } = life[index]!;
          if ((await ok(post(body, await sign(body)), 200)).recorded) firsts.push(index);
        }
        // Each event was recorded by exactly one of its deliveries, the first.
        expect(firsts).toEqual([...new Set(order)]);
        expect((await recorded()).map((r) => r.id)).toEqual(life.map((e) => e.id));
        // What an event sets off happens once too: the join is audited once, however often delivered.
        expect(await joinsAudited()).toBe(joinsBefore + 1);
      }),
      { numRuns: 25 },
    );
  });
});
