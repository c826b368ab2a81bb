import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { openCountersDb, openDb } from './client.ts';

describe('the libSQL file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-db-'));
  const url = `file:${join(dir, 'loupe.db')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('waits for the write lock and checks foreign keys on every connection, including those opened when requests overlap', async () => {
    const { client } = await openDb(url);
    const settings = await Promise.all(Array.from({ length: 20 }, () => client.batch(['PRAGMA busy_timeout', 'PRAGMA foreign_keys'], 'read')));
    expect(settings.map(([timeout, fk]) => [Number(timeout!.rows[0]![0]), Number(fk!.rows[0]![0])])).toEqual(Array(20).fill([5000, 1]));
    client.close();
  });

  it('two processes writing at once (api and recorder): no write lost, no "database is locked"', async () => {
    const { client } = await openDb(url);
    await client.execute('CREATE TABLE writes (writer TEXT NOT NULL, n INTEGER NOT NULL)');
    // Each process has 300 writes in flight at once, each a transaction of its own; both start
    // together, when both are ready.
    const writer = (who: string) => {
      const script = `import { openDb } from ${JSON.stringify(join(import.meta.dirname, 'client.ts'))};
        const { client } = await openDb(${JSON.stringify(url)});
        console.log('ready');
        await new Promise((go) => process.stdin.once('data', go));
        await Promise.all(Array.from({ length: 300 }, (_, n) =>
          client.batch([{ sql: 'INSERT INTO writes VALUES (?, ?)', args: [${JSON.stringify(who)}, n] }, 'SELECT count(*) FROM writes'], 'write')));
        client.close();
        process.exit(0);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
      const ready = once(child.stdout, 'data');
      const done = Promise.all([text(child.stderr), once(child, 'exit')]).then(([errors, [code]]) => ({ errors, code }));
      return { child, ready, done };
    };
    const writers = [writer('api'), writer('recorder')];
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.child.stdin.end('go');
    expect(await Promise.all(writers.map((w) => w.done))).toEqual([
      { errors: '', code: 0 },
      { errors: '', code: 0 },
    ]);
    const counts = await client.execute('SELECT writer, count(DISTINCT n) AS n FROM writes GROUP BY writer ORDER BY writer');
    expect(counts.rows.map((r) => [r.writer, Number(r.n)])).toEqual([
      ['api', 300],
      ['recorder', 300],
    ]);
    client.close();
  }, 60_000);

  it('the rate-limit counters skip the flush a commit that everything else keeps, and both see each other at once', async () => {
    const main = await openDb(url);
    const counters = await openCountersDb(url);
    const flushes = async (c: typeof main.client) => Number((await c.execute('PRAGMA synchronous')).rows[0]![0]);
    // 2 is FULL (the write-ahead log flushed at every commit), 1 NORMAL (flushed at checkpoints).
    expect([await flushes(main.client), await flushes(counters.client)]).toEqual([2, 1]);
    await counters.client.execute('CREATE TABLE IF NOT EXISTS counts (k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
    await counters.client.execute("INSERT INTO counts VALUES ('searches:u1', 3)");
    expect((await main.client.execute("SELECT n FROM counts WHERE k = 'searches:u1'")).rows[0]![0]).toBe(3);
    await main.client.execute("UPDATE counts SET n = 4 WHERE k = 'searches:u1'");
    expect((await counters.client.execute("SELECT n FROM counts WHERE k = 'searches:u1'")).rows[0]![0]).toBe(4);
    counters.client.close();
    main.client.close();
  });
});
