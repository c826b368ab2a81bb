/**
 * Two api processes side by side on one libSQL file, as `make cluster` runs them: a sign-in
 * lockout and a per-user rate limit hold across both, since they live in the database and not
 * in either process's memory. Real processes, a real livekit-server for the tokens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hc } from 'hono/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess, startLiveKit, type LiveKit, type RunningApi } from '@loupe/stack';
import type { AppType } from '../src/app.ts';
import { openDb } from '../src/db/client.ts';
import { migrateDb } from '../src/db/migrate.ts';
import { createUser } from '../src/users/create-user.ts';
import { ok } from './answers.ts';

const PASSWORD = 'a long enough passphrase';
let dir: string;
let livekit: LiveKit;
let apis: RunningApi[] = [];
let closeDb: () => void;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-two-apis-'));
  const dbUrl = `file:${join(dir, 'loupe.db')}`;
  const { db, client } = await openDb(dbUrl);
  closeDb = () => client.close();
  await migrateDb(db);
  for (const name of ['victim', 'host']) await createUser(db, { email: `${name}@hospital.test`, name, role: 'surgeon', password: PASSWORD });
  livekit = await startLiveKit();
  // One token a minute after the burst of 10: none comes back while the test runs.
  const env = { LOUPE_TOKENS_PER_MINUTE: '1', LOUPE_TOKEN_BURST: '10' };
  apis = [await startApiProcess({ livekit, dbUrl, env }), await startApiProcess({ livekit, dbUrl, env })];
});

afterAll(async () => {
  for (const api of apis) await api.stop();
  await livekit?.stop();
  closeDb?.();
  await rm(dir, { recursive: true, force: true });
});

/** A sign-in through api process `i`. */
const signIn = (i: number, email: string, password: string) =>
  fetch(`${apis[i]!.url}/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });

describe('two api processes on one database', () => {
  it('share the sign-in lockout: five wrong passwords spread over both lock the account on both', async () => {
    for (let i = 0; i < 5; i++) expect((await signIn(i % 2, 'victim@hospital.test', 'not the password at all')).status).toBe(401);
    for (const i of [0, 1]) {
      const res = await signIn(i, 'victim@hospital.test', PASSWORD);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('30');
    }
  });

  it('share a per-user rate limit: the burst of 10 token requests is spent across both', async () => {
    const res = await signIn(0, 'host@hospital.test', PASSWORD);
    const cookie = /loupe_session=[^;]+/.exec(res.headers.get('set-cookie')!)![0];
    const as = (i: number) => hc<AppType>(apis[i]!.url, { headers: { cookie } });
    const body = { title: 'Lap chole', procedure: 'Cholecystectomy', specialty: 'General surgery', scheduledAt: '2026-12-01T08:00:00Z' };
    const session = await ok(as(0).sessions.$post({ json: body }));
    const token = (i: number) => as(i).sessions[':id'].token.$post({ param: { id: session.id }, query: {} });
    // Sent at once, five through each process: in memory each would allow all ten and more.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => token(n % 2)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
  });
});
