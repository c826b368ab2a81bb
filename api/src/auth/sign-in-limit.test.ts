import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '@loupe/protocol';
import { createTestApi, ok, postJson, refused, type TestAccount, type TestApi } from '../../test/fixture.ts';

// Each test signs in twenty times or more (argon2, and the limits' writes to the database):
// seconds on a busy machine, more than the default 5.
vi.setConfig({ testTimeout: 30_000 });

let api: TestApi;
let victim: TestAccount;

beforeEach(async () => {
  // Only the clock is faked: argon2, libSQL and the event loop run for real.
  vi.useFakeTimers({ toFake: ['Date'] });
  api = await createTestApi();
  victim = await api.account('mentor');
});
afterEach(async () => {
  vi.useRealTimers();
  await api.close();
});

const later = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

/**
 * A sign-in as a browser behind the web server's /api proxy (a loopback peer) at `address`.
 * Raw, not the typed client: its requests come from no socket address.
 */
function signIn(email: string, password: string, address = '203.0.113.7', peer = '127.0.0.1') {
  const init = postJson({ email, password });
  return api.app.request(
    '/auth/sign-in',
    { ...init, headers: { ...init.headers, 'x-forwarded-for': address } },
    { incoming: { socket: { remoteAddress: peer } } },
  );
}

const wrong = (email = victim.user.email, address?: string, peer?: string) => signIn(email, 'not the password at all', address, peer);

async function expectLocked(res: Response, seconds: number, message: RegExp) {
  expect(res.headers.get('retry-after')).toBe(String(seconds));
  const body = await refused(res, 429);
  expect(body.error.code).toBe('rate_limited');
  expect(body.error.message).toMatch(message);
}

describe('sign-in lockout per account', () => {
  it('after 5 failures refuses even the right password, for 30 s, then twice as long after each failure, at most 15 min', async () => {
    for (let i = 0; i < 5; i++) expect((await wrong()).status).toBe(401);
    await expectLocked(await signIn(victim.user.email, victim.password), 30, /for this account; try again in 30 seconds/);
    const lockouts = [];
    for (let i = 0; i < 6; i++) {
      const seconds = Number((await wrong()).headers.get('retry-after'));
      lockouts.push(seconds);
      later(seconds - 1);
      expect((await wrong()).status).toBe(429);
      later(1);
      expect((await wrong()).status).toBe(401);
    }
    expect(lockouts).toEqual([30, 60, 120, 240, 480, 900]);
    await expectLocked(await wrong(), 900, /try again in 15 minutes/);
  });

  it('a correct password after the lockout resets the count; another account is never affected', async () => {
    const other = await api.account('trainee');
    for (let i = 0; i < 5; i++) await wrong();
    expect((await wrong()).status).toBe(429);
    expect((await signIn(other.user.email, other.password)).status).toBe(200);
    later(30);
    expect((await signIn(victim.user.email, victim.password)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await wrong()).status).toBe(401);
    await expectLocked(await wrong(), 30, /for this account/);
  });

  it('locks an unknown email the same way, so a lockout tells nothing about which accounts exist', async () => {
    for (let i = 0; i < 5; i++) expect((await wrong('nobody@hospital.test')).status).toBe(401);
    await expectLocked(await wrong('nobody@hospital.test'), 30, /for this account/);
  });

  it('gives a burst of parallel guesses no more tries than a sequence of them', async () => {
    const statuses = (await Promise.all(Array.from({ length: 12 }, () => wrong()))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });
});

describe('sign-in lockout per client address', () => {
  it('after 20 failures from one address refuses it for any account, while other addresses sign in', async () => {
    for (let i = 0; i < 20; i++) expect((await wrong(`guess${i}@hospital.test`)).status).toBe(401);
    await expectLocked(await signIn(victim.user.email, victim.password), 30, /from this network; try again in 30 seconds/);
    expect((await signIn(victim.user.email, victim.password, '198.51.100.4')).status).toBe(200);
  });

  it('believes X-Forwarded-For only from a trusted proxy: a direct caller cannot dodge it by rotating the header', async () => {
    const direct = '192.0.2.50';
    for (let i = 0; i < 20; i++) await wrong(`guess${i}@hospital.test`, `10.0.0.${i}`, direct);
    await expectLocked(await signIn(victim.user.email, victim.password, '10.9.9.9', direct), 30, /from this network/);
    expect((await signIn(victim.user.email, victim.password, '10.9.9.9')).status).toBe(200);
  });
});

describe('lockouts in the audit log', () => {
  /** The log's entries of `action` as an administrator reads them, newest first. */
  async function audited(action: string): Promise<AuditEntry[]> {
    const admin = await api.account('admin');
    return (await ok(api.client(admin.cookie).audit.$get({ query: { action } }))).entries;
  }

  it('one entry when an account lockout starts, with its length and the address, however often the account is tried meanwhile', async () => {
    for (let i = 0; i < 5; i++) await wrong();
    for (let i = 0; i < 20; i++) expect((await wrong()).status).toBe(429);
    expect((await signIn(victim.user.email, victim.password)).status).toBe(429);
    later(30);
    expect((await wrong()).status).toBe(401);
    for (let i = 0; i < 20; i++) expect((await wrong()).status).toBe(429);

    const locks = await audited('auth.sign_in_locked');
    expect(locks.map((e) => e.detail)).toEqual([
      { scope: 'account', seconds: 60 },
      { scope: 'account', seconds: 30 },
    ]);
    expect(locks[1]).toMatchObject({ actorId: null, actorLabel: victim.user.email, targetType: 'user', targetId: victim.user.id, ip: '203.0.113.7' });
    // Refused attempts are not failures either: only the six that were tried.
    expect(await audited('auth.sign_in_failed')).toHaveLength(6);
  });

  it('one entry when an address lockout starts, naming the address and no account', async () => {
    for (let i = 0; i < 20; i++) await wrong(`guess${i}@hospital.test`);
    for (let i = 20; i < 40; i++) expect((await wrong(`guess${i}@hospital.test`)).status).toBe(429);
    const locks = await audited('auth.sign_in_locked');
    expect(locks).toHaveLength(1);
    expect(locks[0]).toMatchObject({ actorLabel: 'guess19@hospital.test', targetId: null, ip: '203.0.113.7', detail: { scope: 'address', seconds: 30 } });
  });
});
