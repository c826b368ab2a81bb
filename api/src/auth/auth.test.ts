import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { CreateUserBody } from '@loupe/protocol';
import { createTestApi, ok, refused, sessionCookie, type TestApi } from '../../test/fixture.ts';
import { authSessions, users } from '../db/schema.ts';

let api: TestApi;
afterEach(() => api.close());

/** The auth routes as the holder of `auth`: a cookie, or request headers. */
const auth = (as: string | Record<string, string> = {}) => api.client(as).auth;

describe('sign-in and sign-out', () => {
  beforeEach(async () => {
    api = await createTestApi();
  });

  it('signs in with the right password, sets an HttpOnly SameSite cookie, and /auth/me knows the user', async () => {
    const { user, password } = await api.account('mentor', 'Prof. Zhang');
    const res = await auth()['sign-in'].$post({ json: { email: user.email.toUpperCase(), password } });
    expect(await ok(res, 200)).toEqual(user);
    const header = res.headers.getSetCookie().find((c) => c.startsWith('loupe_session='))!;
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Lax/);
    expect((await ok(auth(sessionCookie(res)).me.$get(), 200)).name).toBe('Prof. Zhang');
  });

  it('stores the password as an argon2id hash, never in clear', async () => {
    const { user, password } = await api.account('trainee');
    const row = await api.db.select().from(users).where(eq(users.id, user.id)).get();
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row!.passwordHash).not.toContain(password);
  });

  it('refuses a wrong password and an unknown email with the same message', async () => {
    const { user } = await api.account('surgeon');
    const wrong = await auth()['sign-in'].$post({ json: { email: user.email, password: 'not the password' } });
    const unknown = auth()['sign-in'].$post({ json: { email: 'nobody@hospital.test', password: 'x' } });
    expect(await refused(wrong, 401)).toEqual(await refused(unknown, 401));
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('gives a new session id at each sign-in and ends the old one', async () => {
    const { user, password, cookie: first } = await api.account('mentor');
    const second = sessionCookie(await auth(first)['sign-in'].$post({ json: { email: user.email, password } }));
    expect(second).not.toBe(first);
    expect((await auth(first).me.$get()).status).toBe(401);
    expect((await auth(second).me.$get()).status).toBe(200);
  });

  it('sign-out ends the session on the server: the old cookie no longer works', async () => {
    const { cookie } = await api.account('trainee');
    const out = await auth(cookie)['sign-out'].$post();
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join()).toMatch(/loupe_session=;/);
    expect(await refused(auth(cookie).me.$get(), 401)).toEqual({ error: { code: 'unauthenticated', message: 'Sign in to continue' } });
    expect(await api.db.select().from(authSessions).all()).toHaveLength(0);
  });

  it('ends a session left idle longer than the idle timeout', async () => {
    const { cookie } = await api.account('mentor');
    await api.db.update(authSessions).set({ lastSeenAt: new Date(Date.now() - api.config.sessionIdleMs - 1000) });
    expect((await auth(cookie).me.$get()).status).toBe(401);
  });

  it('refuses a request from another site or another origin of the same site carrying the cookie, and non-JSON bodies', async () => {
    let { cookie } = await api.account('mentor');
    // A page on the same host at another port: same-site, bodiless, as a no-cors fetch sends it.
    const elsewhere: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://127.0.0.1:9999' }];
    for (const from of elsewhere) {
      expect((await auth({ cookie, ...from })['sign-out'].$post()).status).toBe(403);
    }
    expect((await auth(cookie).me.$get()).status).toBe(200);
    expect((await auth({ cookie, 'sec-fetch-site': 'same-origin' })['sign-out'].$post()).status).toBe(204);
    ({ cookie } = await api.account('mentor'));
    expect((await auth({ cookie, 'sec-fetch-site': 'cross-site' })['sign-out'].$post()).status).toBe(403);
    // Sent raw: the typed client sends JSON only.
    const form = await api.app.request('/sessions', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'title=x',
    });
    expect(form.status).toBe(415);
    expect((await auth(cookie).me.$get()).status).toBe(200);
  });
});

describe('sign-up', () => {
  it('is closed by default: accounts come from an administrator', async () => {
    api = await createTestApi();
    const res = await auth()['sign-up'].$post({ json: { email: 'new@hospital.test', name: 'New', password: 'a long enough passphrase' } });
    expect(res.status).toBe(403);
    expect(await api.db.select().from(users).all()).toHaveLength(0);
  });

  it('when open, creates a trainee account, signs it in, and refuses a duplicate email', async () => {
    api = await createTestApi({ LOUPE_OPEN_SIGNUP: 'true' });
    const body = { email: 'Wang.Fang@Hospital.test', name: 'Wang Fang', password: 'a long enough passphrase' };
    const res = await auth()['sign-up'].$post({ json: body });
    expect(await ok(res, 201)).toMatchObject({ email: 'wang.fang@hospital.test', role: 'trainee' });
    expect((await auth(sessionCookie(res)).me.$get()).status).toBe(200);
    expect((await auth()['sign-up'].$post({ json: body })).status).toBe(409);
  });

  it('enforces the password policy with a message a person can act on', async () => {
    api = await createTestApi({ LOUPE_OPEN_SIGNUP: 'true' });
    const res = auth()['sign-up'].$post({ json: { email: 'a@hospital.test', name: 'A', password: 'short' } });
    expect(await refused(res, 400)).toEqual({
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
    const body: CreateUserBody = { email: 'chen@hospital.test', name: 'Dr. Chen', role: 'surgeon', password: 'a long enough passphrase' };
    expect((await api.client(mentor.cookie).users.$post({ json: body })).status).toBe(403);
    expect(await ok(api.client(admin.cookie).users.$post({ json: body }), 201)).toMatchObject({ email: 'chen@hospital.test', role: 'surgeon' });
    const list = await ok(api.client(admin.cookie).users.$get());
    expect(list.users.map((u) => u.email)).toContain('chen@hospital.test');
  });
});
