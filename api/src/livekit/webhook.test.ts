import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessToken } from 'livekit-server-sdk';
import { TEST_KEYS, createTestApi, type TestApi, json } from '../../test/fixture.ts';
import { livekitEvents } from '../db/schema.ts';

let api: TestApi;
beforeEach(async () => {
  api = await createTestApi();
});
afterEach(() => api.close());

/** Signs a body the way livekit-server does: a JWT carrying the body's SHA-256. */
async function sign(body: string, keys = TEST_KEYS): Promise<string> {
  const at = new AccessToken(keys.apiKey, keys.apiSecret);
  at.sha256 = createHash('sha256').update(body).digest('base64');
  return at.toJwt();
}

function event(id: string, kind = 'participant_joined') {
  return JSON.stringify({
    event: kind,
    id,
    createdAt: '1795000000',
    room: { name: 'room-1', sid: 'RM_1' },
    participant: { identity: 'user-1', sid: 'PA_1' },
  });
}

const post = (body: string, auth?: string) =>
  api.app.request('/webhooks/livekit', {
    method: 'POST',
    headers: { 'content-type': 'application/webhook+json', ...(auth ? { authorization: auth } : {}) },
    body,
  });

describe('POST /webhooks/livekit', () => {
  it('records a correctly signed event once, however often it is delivered', async () => {
    const body = event('EV_one');
    const first = await post(body, await sign(body));
    expect(first.status).toBe(200);
    expect(await json(first)).toEqual({ recorded: true });
    const again = await post(body, await sign(body));
    expect(await json(again)).toEqual({ recorded: false });
    const rows = await api.db.select().from(livekitEvents).all();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: 'EV_one',
      event: 'participant_joined',
      roomName: 'room-1',
      participantIdentity: 'user-1',
      occurredAt: new Date(1795000000 * 1000),
    });
  });

  it('rejects a missing signature, a tampered body and a foreign key, recording nothing', async () => {
    const body = event('EV_two');
    expect((await post(body)).status).toBe(401);
    const tampered = body.replace('user-1', 'intruder');
    expect((await post(tampered, await sign(body))).status).toBe(401);
    const foreign = await sign(body, { apiKey: 'APIother', apiSecret: 'another-secret-that-is-long-enough-000' });
    expect((await post(body, foreign)).status).toBe(401);
    expect(await api.db.select().from(livekitEvents).all()).toHaveLength(0);
  });

  it('keeps the occurrence time of events delivered out of order', async () => {
    const later = JSON.stringify({ ...JSON.parse(event('EV_b', 'participant_left')), createdAt: '1795000100' });
    const earlier = event('EV_a');
    await post(later, await sign(later));
    await post(earlier, await sign(earlier));
    const rows = await api.db.select().from(livekitEvents).orderBy(livekitEvents.occurredAt).all();
    expect(rows.map((r) => r.event)).toEqual(['participant_joined', 'participant_left']);
  });
});
