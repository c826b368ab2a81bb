/**
 * Measure 7 — api: LiveKit token issuance requests/s and p99 with 50 concurrent clients,
 * beside GET /health with the same clients (the baseline: Hono and Node without Loupe's work),
 * and the api's peak memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser, migrateDb, openDb } from '@loupe/api';
import { startLiveKit } from '@loupe/stack';
import { signIn, startLocalApi } from './local-api.ts';
import { peakMemoryMiB, percentiles } from './stats.ts';

const CLIENTS = 50;
const REQUESTS = 5000;

async function load(fn: () => Promise<void>): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (issued < REQUESTS) {
        issued++;
        const t = performance.now();
        await fn();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

export async function measureApi() {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-api-'));
  const dbUrl = `file:${join(dir, 'loupe.db')}`;
  const { db, client } = await openDb(dbUrl);
  await migrateDb(db);
  const password = 'bench passphrase long enough';
  const host = await createUser(db, { email: 'host@bench.test', name: 'Host', role: 'surgeon', password });
  client.close();

  // A token opens the session's room on livekit-server first (auto_create is off): part of the cost.
  const livekit = await startLiveKit();
  const { url, service: api } = await startLocalApi(dbUrl, livekit);
  const cookie = await signIn(url, host.email, password);
  const session = (await (
    await fetch(`${url}/sessions`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Bench', procedure: 'x', specialty: 'y', scheduledAt: new Date().toISOString() }),
    })
  ).json()) as { id: string };

  const health = await load(async () => void (await (await fetch(`${url}/health`)).arrayBuffer()));
  const tokens = await load(async () => {
    const res = await fetch(`${url}/sessions/${session.id}/token`, { method: 'POST', headers: { cookie } });
    if (!res.ok) throw new Error(`token: ${res.status}`);
    await res.arrayBuffer();
  });
  const memory = await peakMemoryMiB(api.child.pid!);
  await api.stop();
  await livekit.stop();
  await rm(dir, { recursive: true, force: true });
  const t = percentiles(tokens.latencies);
  const h = percentiles(health.latencies);
  return {
    clients: CLIENTS,
    token_requests_per_s: Math.round(tokens.latencies.length / tokens.seconds),
    token_ms: t,
    baseline_p95: h.p95,
    health_ms: h,
    health_requests_per_s: Math.round(health.latencies.length / health.seconds),
    api_peak_memory_mib: memory,
    n: t.n,
  };
}
