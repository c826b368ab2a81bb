import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApi, postJson, sessionCookie, withCookie, type TestApi, json } from '../../test/fixture.ts';
import { authSessions, users } from '../db/schema.ts';

let api: TestApi;
afterEach(() => api.close());

describe('sign-in and sign-out', () => {
  beforeEach(async () => {
    api = await createTestApi();
  });

  it('signs in with the right password, sets an HttpOnly SameSite cookie, and /auth/me knows the user', async () => {
    const { user, password } = await api.account('mentor', 'Prof. Zhang');
    const res = await api.app.request('/auth/sign-in', postJson({ email: user.email.toUpperCase(), password }));
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual(user);
    const header = res.headers.getSetCookie().find((c) => c.startsWith('loupe_session='))!;
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Lax/);
    const me = await api.app.request('/auth/me', withCookie(sessionCookie(res)));
    expect(me.status).toBe(200);
    expect((await json(me)).name).toBe('Prof. Zhang');
  });

  it('stores the password as an argon2id hash, never in clear', async () => {
    const { user, password } = await api.account('trainee');
    const row = await api.db.select().from(users).where(eq(users.id, user.id)).get();
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row!.passwordHash).not.toContain(password);
  });

  it('refuses a wrong password and an unknown email with the same message', async () => {
    const { user } = await api.account('surgeon');
    const wrong = await api.app.request('/auth/sign-in', postJson({ email: user.email, password: 'not the password' }));
    const unknown = await api.app.request('/auth/sign-in', postJson({ email: 'nobody@hospital.test', password: 'x' }));
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await json(wrong)).toEqual(await json(unknown));
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('gives a new session id at each sign-in and ends the old one', async () => {
    const { user, password, cookie: first } = await api.account('mentor');
    const res = await api.app.request('/auth/sign-in', postJson({ email: user.email, password }, first));
    const second = sessionCookie(res);
    expect(second).not.toBe(first);
    expect((await api.app.request('/auth/me', withCookie(first))).status).toBe(401);
    expect((await api.app.request('/auth/me', withCookie(second))).status).toBe(200);
  });

  it('sign-out ends the session on the server: the old cookie no longer works', async () => {
    const { cookie } = await api.account('trainee');
    const out = await api.app.request('/auth/sign-out', withCookie(cookie, 'POST'));
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join()).toMatch(/loupe_session=;/);
    const me = await api.app.request('/auth/me', withCookie(cookie));
    expect(me.status).toBe(401);
    expect(await json(me)).toEqual({ error: { code: 'unauthenticated', message: 'Sign in to continue' } });
    expect(await api.db.select().from(authSessions).all()).toHaveLength(0);
  });

  it('ends a session left idle longer than the idle timeout', async () => {
    const { cookie } = await api.account('mentor');
    await api.db.update(authSessions).set({ lastSeenAt: new Date(Date.now() - api.config.sessionIdleMs - 1000) });
    expect((await api.app.request('/auth/me', withCookie(cookie))).status).toBe(401);
  });

  it('refuses a request from another site or another origin of the same site carrying the cookie, and non-JSON bodies', async () => {
    let { cookie } = await api.account('mentor');
    // A page on the same host at another port: same-site, bodiless, as a no-cors fetch sends it.
    for (const from of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://127.0.0.1:9999' }]) {
      const refused = await api.app.request('/auth/sign-out', { method: 'POST', headers: { cookie, ...from } });
      expect(refused.status).toBe(403);
    }
    expect((await api.app.request('/auth/me', withCookie(cookie))).status).toBe(200);
    const own = await api.app.request('/auth/sign-out', { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(204);
    ({ cookie } = await api.account('mentor'));
    const cross = await api.app.request('/auth/sign-out', {
      method: 'POST',
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(cross.status).toBe(403);
    const form = await api.app.request('/sessions', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'title=x',
    });
    expect(form.status).toBe(415);
    expect((await api.app.request('/auth/me', withCookie(cookie))).status).toBe(200);
  });
});

describe('sign-up', () => {
  it('is closed by default: accounts come from an administrator', async () => {
    api = await createTestApi();
    const res = await api.app.request('/auth/sign-up', postJson({ email: 'new@hospital.test', name: 'New', password: 'a long enough passphrase' }));
    expect(res.status).toBe(403);
    expect(await api.db.select().from(users).all()).toHaveLength(0);
  });

  it('when open, creates a trainee account, signs it in, and refuses a duplicate email', async () => {
    api = await createTestApi({ LOUPE_OPEN_SIGNUP: 'true' });
    const body = { email: 'Wang.Fang@Hospital.test', name: 'Wang Fang', password: 'a long enough passphrase' };
    const res = await api.app.request('/auth/sign-up', postJson(body));
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ email: 'wang.fang@hospital.test', role: 'trainee' });
    expect((await api.app.request('/auth/me', withCookie(sessionCookie(res)))).status).toBe(200);
    const again = await api.app.request('/auth/sign-up', postJson(body));
    expect(again.status).toBe(409);
  });

  it('enforces the password policy with a message a person can act on', async () => {
    api = await createTestApi({ LOUPE_OPEN_SIGNUP: 'true' });
    const res = await api.app.request('/auth/sign-up', postJson({ email: 'a@hospital.test', name: 'A', password: 'short' }));
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      error: { code: 'invalid_request', message: 'password: Password must be at least 12 characters' },
    });
  });
});

describe('accounts (admin)', () => {
  beforeEach(async () => {
    api = await createTestApi();
  });

  it('an admin creates accounts with a role; others may not', async () => {
    const admin = await api.account('admin');
    const mentor = await api.account('mentor');
    const body = { email: 'chen@hospital.test', name: 'Dr. Chen', role: 'surgeon', password: 'a long enough passphrase' };
    expect((await api.app.request('/users', postJson(body, mentor.cookie))).status).toBe(403);
    const res = await api.app.request('/users', postJson(body, admin.cookie));
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ email: 'chen@hospital.test', role: 'surgeon' });
    const list = await json(await api.app.request('/users', withCookie(admin.cookie)));
    expect(list.users.map((u: { email: string }) => u.email)).toContain('chen@hospital.test');
  });
});
