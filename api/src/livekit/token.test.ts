import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenVerifier } from 'livekit-server-sdk';
import type { SessionRole } from '@loupe/protocol';
import { TEST_KEYS, createTestApi, ok, refused, withCookie, type TestAccount, type TestApi } from '../../test/fixture.ts';

let api: TestApi;
let host: TestAccount;
let sessionId: string;

beforeEach(async () => {
  api = await createTestApi({ LIVEKIT_PUBLIC_URL: 'wss://livekit.hospital.test' });
  host = await api.account('mentor', 'Dr. Host');
  const body = { title: 'Thyroidectomy', procedure: 'Thyroidectomy', specialty: 'ENT', scheduledAt: '2026-12-01T09:00:00Z' };
  sessionId = (await ok(api.client(host.cookie).sessions.$post({ json: body }))).id;
});
afterEach(() => api.close());

async function invited(role: SessionRole, name: string): Promise<TestAccount> {
  const person = await api.account(role === 'theatre' ? 'surgeon' : role === 'observer' ? 'trainee' : 'mentor', name);
  await ok(api.client(host.cookie).sessions[':id'].members.$post({ param: { id: sessionId }, json: { email: person.user.email, role } }), 200);
  return person;
}

/** A token as the holder of `auth` asks for it: a cookie, or nothing (signed out). */
const tokenFor = (auth: string | Record<string, string>, display?: 'true') =>
  api.client(auth).sessions[':id'].token.$post({ param: { id: sessionId }, query: display ? { display } : {} });

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
      const body = await ok(tokenFor(person.cookie), 200);
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
    expect((await refused(tokenFor(outsider.cookie), 404)).error.code).toBe('not_found');
    expect((await tokenFor(admin.cookie)).status).toBe(403);
    expect((await tokenFor({})).status).toBe(401);
  });

  it('a token for one session does not open another room', async () => {
    const mentor = await invited('mentor', 'Prof. Zhang');
    const claims = await verifier.verify((await ok(tokenFor(mentor.cookie))).token);
    expect(claims.video?.room).toBe(sessionId);
    expect(claims.video?.roomAdmin).toBeUndefined();
    expect(claims.video?.roomCreate).toBeUndefined();
  });

  it('a display-only screen gets its own identity and may only watch', async () => {
    const theatre = await invited('theatre', 'OR 3');
    const body = await ok(tokenFor(theatre.cookie, 'true'));
    expect(body.identity).toMatch(new RegExp(`^${theatre.user.id}:display:[0-9a-f]{8}$`));
    const claims = await verifier.verify(body.token);
    expect(claims.attributes).toEqual({ role: 'theatre', name: 'OR 3', display: 'true' });
    expect(claims.video).toMatchObject({ canPublish: false, canPublishData: false, canSubscribe: true, canPublishSources: [] });
    // Raw: a query the typed client will not send.
    const bad = await api.app.request(`/sessions/${sessionId}/token?display=yes`, withCookie(theatre.cookie, 'POST'));
    expect(bad.status).toBe(400);
  });
});
