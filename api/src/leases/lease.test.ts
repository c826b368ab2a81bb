import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@libsql/client';
import { openDb, type Db } from '../db/client.ts';
import { migrateDb } from '../db/migrate.ts';
import { currentLease, releaseLease, runOncePerCluster, takeLease } from './lease.ts';

let dir: string;
let a: { db: Db; client: Client };
let b: { db: Db; client: Client };

// Two clients on one file, as two processes would open it.
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-leases-'));
  const url = `file:${join(dir, 'loupe.db')}`;
  a = await openDb(url);
  await migrateDb(a.db);
  b = await openDb(url);
});
afterEach(async () => {
  a.client.close();
  b.client.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a lease', () => {
  it('is held by one owner until it expires, renewed with the same epoch, then taken by another with the next one', async () => {
    const first = await takeLease(a.db, 'recording:1', 'worker-a', 1000, 10_000);
    expect(first).toMatchObject({ owner: 'worker-a', epoch: 1 });
    expect(await takeLease(b.db, 'recording:1', 'worker-b', 1000, 10_500)).toBeNull();
    expect(await takeLease(a.db, 'recording:1', 'worker-a', 1000, 10_900)).toMatchObject({ owner: 'worker-a', epoch: 1 });
    // Renewed at 10 900: still worker-a's at 11 500.
    expect(await takeLease(b.db, 'recording:1', 'worker-b', 1000, 11_500)).toBeNull();
    expect(await takeLease(b.db, 'recording:1', 'worker-b', 1000, 11_900)).toMatchObject({ owner: 'worker-b', epoch: 2 });
    // The first holder, back late, cannot renew what it lost.
    expect(await takeLease(a.db, 'recording:1', 'worker-a', 1000, 12_000)).toBeNull();
    expect(await currentLease(a.db, 'recording:1')).toMatchObject({ owner: 'worker-b', epoch: 2 });
  });

  it('taken again by its own owner after it lapsed moves to the next epoch: what the owner wrote under the old one is fenced off', async () => {
    await takeLease(a.db, 'job:x', 'api-1', 1000, 0);
    expect(await takeLease(a.db, 'job:x', 'api-1', 1000, 5000)).toMatchObject({ owner: 'api-1', epoch: 2 });
  });

  it('goes to exactly one of many owners racing for it from two connections', async () => {
    const owners = Array.from({ length: 20 }, (_, i) => `worker-${i}`);
    const taken = await Promise.all(owners.map((owner, i) => takeLease(i % 2 ? a.db : b.db, 'recording:2', owner, 60_000)));
    const winners = taken.filter((t) => t !== null);
    expect(winners).toHaveLength(1);
    expect(await currentLease(a.db, 'recording:2')).toMatchObject({ owner: winners[0]!.owner, epoch: 1 });
  });

  it('released by its holder is free at once; released by anyone else it stays', async () => {
    await takeLease(a.db, 'recording:3', 'worker-a', 60_000);
    await releaseLease(b.db, 'recording:3', 'worker-b');
    expect(await takeLease(b.db, 'recording:3', 'worker-b', 60_000)).toBeNull();
    await releaseLease(a.db, 'recording:3', 'worker-a');
    expect(await takeLease(b.db, 'recording:3', 'worker-b', 60_000)).toMatchObject({ owner: 'worker-b' });
  });
});

describe('a periodic job', () => {
  it('runs in one of two processes each round; when that one stops, the other takes it over', async () => {
    const runs: string[] = [];
    // A second between rounds: the holder renews half a second before its lease would lapse.
    const job = (owner: string, db: Db) => runOncePerCluster(db, { name: 'sweep', owner, everyMs: 1000, job: async () => void runs.push(owner) });
    const stops = { 'api-a': job('api-a', a.db), 'api-b': job('api-b', b.db) };
    try {
      await expect.poll(() => runs.length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(3);
      const holder = runs[0] as keyof typeof stops;
      const other = holder === 'api-a' ? 'api-b' : 'api-a';
      expect(new Set(runs)).toEqual(new Set([holder]));
      await stops[holder]();
      const before = runs.length;
      await expect.poll(() => runs.slice(before), { timeout: 10_000, interval: 50 }).toContain(other);
      expect(new Set(runs.slice(before))).toEqual(new Set([other]));
    } finally {
      await Promise.all(Object.values(stops).map((stop) => stop()));
    }
  });
});
