import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenVerifier } from 'livekit-server-sdk';
import type { SessionRole } from '@loupe/protocol';
import { TEST_KEYS, createTestApi, postJson, withCookie, type TestAccount, type TestApi, json } from '../../test/fixture.ts';

let api: TestApi;
let host: TestAccount;
let sessionId: string;

beforeEach(async () => {
  api = await createTestApi({ LIVEKIT_PUBLIC_URL: 'wss://livekit.hospital.test' });
  host = await api.account('mentor', 'Dr. Host');
  const res = await api.app.request(
    '/sessions',
    postJson({ title: 'Thyroidectomy', procedure: 'Thyroidectomy', specialty: 'ENT', scheduledAt: '2026-12-01T09:00:00Z' }, host.cookie),
  );
  sessionId = (await json(res)).id;
});
afterEach(() => api.close());

async function invited(role: SessionRole, name: string): Promise<TestAccount> {
  const person = await api.account(role === 'theatre' ? 'surgeon' : role === 'observer' ? 'trainee' : 'mentor', name);
  const res = await api.app.request(`/sessions/${sessionId}/members`, postJson({ email: person.user.email, role }, host.cookie));
  expect(res.status).toBe(200);
  return person;
}

async function tokenFor(cookie: string) {
  return api.app.request(`/sessions/${sessionId}/token`, withCookie(cookie, 'POST'));
}

const verifier = new TokenVerifier(TEST_KEYS.apiKey, TEST_KEYS.apiSecret);

describe('POST /sessions/:id/token', () => {
  // In the JWT, sources are spelled as strings, as livekit-server reads them.
  const expected = {
    theatre: {
      canPublish: true,
      canPublishData: true,
      canSubscribe: true,
      canPublishSources: ['camera', 'microphone', 'screen_share', 'screen_share_audio'],
    },
    mentor: { canPublish: true, canPublishData: true, canSubscribe: true, canPublishSources: ['microphone'] },
    host: { canPublish: true, canPublishData: true, canSubscribe: true, canPublishSources: ['microphone'] },
    observer: { canPublish: false, canPublishData: false, canSubscribe: true, canPublishSources: [] },
  } as const;

  for (const role of ['theatre', 'mentor', 'host', 'observer'] as const) {
    it(`gives a ${role} exactly the ${role} grants, their identity, and server-set attributes`, async () => {
      const person = role === 'host' ? host : await invited(role, `Person ${role}`);
      const res = await tokenFor(person.cookie);
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body).toMatchObject({ url: 'wss://livekit.hospital.test', identity: person.user.id, role });
      expect(Math.abs(body.serverTime - Date.now())).toBeLessThan(5000);
      const claims = await verifier.verify(body.token);
      expect(claims.sub).toBe(person.user.id);
      expect(claims.name).toBe(person.user.name);
      expect(claims.attributes).toEqual({ role, name: person.user.name });
      expect(claims.video).toEqual({
        room: sessionId,
        roomJoin: true,
        canUpdateOwnMetadata: false,
        ...expected[role],
      });
      const lifetime = (claims.exp as number) - (claims.nbf as number);
      expect(lifetime).toBeLessThanOrEqual(600);
      expect(lifetime).toBeGreaterThan(0);
    });
  }

  it('refuses someone not invited (404, as if there were no such session), an admin (403), and anyone signed out (401)', async () => {
    const outsider = await api.account('mentor');
    const admin = await api.account('admin');
    const outsiderRes = await tokenFor(outsider.cookie);
    expect(outsiderRes.status).toBe(404);
    expect((await json(outsiderRes)).error.code).toBe('not_found');
    expect((await tokenFor(admin.cookie)).status).toBe(403);
    const anonymous = await api.app.request(`/sessions/${sessionId}/token`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
  });

  it('a token for one session does not open another room', async () => {
    const mentor = await invited('mentor', 'Prof. Zhang');
    const claims = await verifier.verify((await json(await tokenFor(mentor.cookie))).token);
    expect(claims.video?.room).toBe(sessionId);
    expect(claims.video?.roomAdmin).toBeUndefined();
    expect(claims.video?.roomCreate).toBeUndefined();
  });

  it('a display-only screen gets its own identity and may only watch', async () => {
    const theatre = await invited('theatre', 'OR 3');
    const res = await api.app.request(`/sessions/${sessionId}/token?display=true`, withCookie(theatre.cookie, 'POST'));
    const body = await json(res);
    expect(body.identity).toMatch(new RegExp(`^${theatre.user.id}:display:[0-9a-f]{8}$`));
    const claims = await verifier.verify(body.token);
    expect(claims.attributes).toEqual({ role: 'theatre', name: 'OR 3', display: 'true' });
    expect(claims.video).toMatchObject({ canPublish: false, canPublishData: false, canSubscribe: true, canPublishSources: [] });
    const bad = await api.app.request(`/sessions/${sessionId}/token?display=yes`, withCookie(theatre.cookie, 'POST'));
    expect(bad.status).toBe(400);
  });
});
