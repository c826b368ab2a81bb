import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestApi, ok, refused, type Answer, type TestApi } from '../../test/fixture.ts';
import { rateLimits } from '../db/schema.ts';
import { FailureBackoff, pruneRateLimits } from './rate-limit.ts';

const MINUTE = 60_000;
const policy = { threshold: 3, baseMs: 10_000, maxMs: 60_000, forgetMs: 10 * MINUTE };

describe('FailureBackoff', () => {
  let api: TestApi;
  let now: number;
  beforeEach(async () => {
    api = await createTestApi();
    now = 1_000_000;
  });
  afterEach(() => api.close());

  function backoff() {
    const limiter = new FailureBackoff(api.db, 'test', policy, () => now);
    const fail = async (key = 'a') => {
      const wait = await limiter.begin(key);
      if (wait === 0) await limiter.end(key, 'failed');
      return wait;
    };
    return { limiter, fail, later: (ms: number) => void (now += ms) };
  }

  it('locks after the threshold, doubling each time up to the cap, and refusals do not count', async () => {
    const { fail, later, limiter } = backoff();
    expect([await fail(), await fail(), await fail()]).toEqual([0, 0, 0]);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const wait = await limiter.begin('a');
      expect(await limiter.begin('a')).toBe(wait);
      waits.push(wait);
      later(wait);
      expect(await fail()).toBe(0);
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it('forgets failures after a quiet period past the last lockout, and on reset', async () => {
    const { fail, later, limiter } = backoff();
    await fail();
    await fail();
    later(10 * MINUTE + 1);
    expect([await fail(), await fail()]).toEqual([0, 0]);
    expect(await limiter.begin('a')).toBe(0);
    await limiter.end('a', 'reset');
    expect([await fail(), await fail(), await fail()]).toEqual([0, 0, 0]);
    expect(await limiter.begin('a')).toBe(10_000);
    expect(await limiter.begin('b')).toBe(0);
  });

  it('counts attempts still running, so parallel guesses get no more tries than sequential ones', async () => {
    const { limiter } = backoff();
    const begun = await Promise.all(Array.from({ length: 10 }, () => limiter.begin('a')));
    expect(begun.filter((w) => w === 0)).toHaveLength(3);
    await limiter.end('a', 'done');
    expect(await limiter.begin('a')).toBe(0);
  });

  it('stops counting an attempt whose process died before it ended, after a minute', async () => {
    const { limiter, later } = backoff();
    for (let i = 0; i < 3; i++) expect(await limiter.begin('a')).toBe(0);
    expect(await limiter.begin('a')).toBe(1000);
    later(MINUTE + 1);
    expect(await limiter.begin('a')).toBe(0);
  });

  it('prunes keys nobody touched for an hour, so made-up keys do not grow the table for good', async () => {
    const { fail, later } = backoff();
    for (const key of ['a', 'b', 'c']) await fail(key);
    later(30 * MINUTE);
    await fail('d');
    await pruneRateLimits(api.db, now + 31 * MINUTE);
    expect((await api.db.select().from(rateLimits)).map((r) => r.key)).toEqual(['test:d']);
  });
});

describe('per-user limits on LiveKit tokens and searches (defaults: tokens 30/min burst 10, searches 120/min burst 30)', () => {
  let api: TestApi;
  afterEach(async () => {
    vi.useRealTimers();
    await api.close();
  });

  async function expectRateLimited(request: Promise<Answer>, seconds: number, what: string) {
    const res = await request;
    expect(res.headers.get('retry-after')).toBe(String(seconds));
    expect(await refused(res, 429)).toEqual({
      error: { code: 'rate_limited', message: `Too many ${what}; try again in ${seconds} second${seconds === 1 ? '' : 's'}` },
    });
  }

  it('refuses the 11th token in a burst with 429 and Retry-After, for that user only, and refills', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    api = await createTestApi();
    const host = await api.account('surgeon');
    const mentor = await api.account('mentor');
    const body = { title: 'Lap chole', procedure: 'Cholecystectomy', specialty: 'General surgery', scheduledAt: '2026-12-01T08:00:00Z' };
    const session = await ok(api.client(host.cookie).sessions.$post({ json: body }));
    const param = { id: session.id };
    await ok(api.client(host.cookie).sessions[':id'].members.$post({ param, json: { email: mentor.user.email, role: 'mentor' } }));
    const token = (cookie: string) => api.client(cookie).sessions[':id'].token.$post({ param, query: {} });
    for (let i = 0; i < 10; i++) expect((await token(host.cookie)).status).toBe(200);
    await expectRateLimited(token(host.cookie), 2, 'token requests');
    expect((await token(mentor.cookie)).status).toBe(200);
    vi.setSystemTime(Date.now() + 2000);
    expect((await token(host.cookie)).status).toBe(200);
    expect((await token(host.cookie)).status).toBe(429);
  });

  it('refuses the 31st search in a burst; the limits come from the environment', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    api = await createTestApi();
    const reader = await api.account('trainee');
    const search = (cookie: string, q?: string) => api.client(cookie).cases.$get({ query: q === undefined ? {} : { q } });
    for (let i = 0; i < 30; i++) expect((await search(reader.cookie, `word${i}`)).status).toBe(200);
    await expectRateLimited(search(reader.cookie, 'more'), 1, 'searches');
    await api.close();

    api = await createTestApi({ LOUPE_SEARCHES_PER_MINUTE: '6', LOUPE_SEARCH_BURST: '2' });
    const other = await api.account('trainee');
    for (let i = 0; i < 2; i++) expect((await search(other.cookie)).status).toBe(200);
    await expectRateLimited(search(other.cookie), 10, 'searches');
  });
});
