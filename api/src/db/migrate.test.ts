import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from './client.ts';
import { MIGRATIONS_DIR, migrateDb } from './migrate.ts';

describe('upgrading a database made before duration and failure moved to the recording', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The migrations folder as it was up to and including `tag`. */
  function migrationsUpTo(tag: string): string {
    const folder = join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, folder, { recursive: true });
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag === tag) + 1);
    writeFileSync(journalPath, JSON.stringify(journal));
    return folder;
  }

  it('keeps each case’s outcome on its recording and indexes existing cases for search', async () => {
    const { db, client } = await openDb(`file:${join(dir, 'loupe.db')}`);
    await migrate(db, { migrationsFolder: migrationsUpTo('0006_recording_capture_state') });
    const t = Date.UTC(2026, 11, 1);
    await client.executeMultiple(`
      INSERT INTO users (id, email, name, role, password_hash) VALUES ('u', 'u@x', 'U', 'surgeon', 'h');
      INSERT INTO live_sessions (id, title, procedure, specialty, scheduled_at, created_by) VALUES ('s', 'Whipple', 'Whipple', 'HPB', ${t}, 'u');
      INSERT INTO recordings (id, session_id, status, consent_by, consent_at, consent_on_file, no_identifiers_in_view, started_at, duration_ms, failure)
        VALUES ('r1', 's', 'ready', 'u', ${t}, 1, 1, ${t}, NULL, NULL), ('r2', 's', 'failed', 'u', ${t}, 1, 1, ${t}, NULL, 'disk full');
      INSERT INTO cases (id, session_id, recording_id, status, failure, title, procedure, specialty, tags, duration_ms, chapters, recorded_at, retain_until)
        VALUES ('c1', 's', 'r1', 'ready', NULL, 'Pancreaticoduodenectomy', 'Whipple', 'HPB', '["pylorus"]', 61000, '[{"title":"Portal vein","atMs":5}]', ${t}, ${t}),
               ('c2', 's', 'r2', 'failed', 'disk full', 'Second', 'Whipple', 'HPB', '[]', NULL, '[]', ${t}, ${t});`);

    await migrateDb(db);
    const outcomes = await db.all(sql`SELECT id, duration_ms, failure FROM recordings ORDER BY id`);
    expect(outcomes).toEqual([
      { id: 'r1', duration_ms: 61000, failure: null },
      { id: 'r2', duration_ms: null, failure: 'disk full' },
    ]);
    const found = (q: string) => db.all<{ case_id: string }>(sql`SELECT case_id FROM cases_fts WHERE cases_fts MATCH ${q}`);
    for (const q of ['pancreaticoduodenectomy', 'pylorus', '"portal vein"']) expect(await found(q), q).toEqual([{ case_id: 'c1' }]);
    // From here the triggers keep it in step.
    await db.run(sql`UPDATE cases SET title = 'Renamed' WHERE id = 'c1'`);
    expect(await found('pancreaticoduodenectomy')).toEqual([]);
    expect(await found('renamed')).toEqual([{ case_id: 'c1' }]);
    await db.run(sql`DELETE FROM live_sessions WHERE id = 's'`);
    expect(await db.all(sql`SELECT case_id FROM cases_fts`)).toEqual([]);
    client.close();
  });
});
