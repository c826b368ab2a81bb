import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from './client.ts';
import { MIGRATIONS_DIR, migrateDb } from './migrate.ts';

/** The migrations folder, in `dir`, as it was up to and including `tag`. */
function migrationsUpTo(dir: string, tag: string): string {
  const folder = join(dir, 'migrations');
  cpSync(MIGRATIONS_DIR, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag === tag) + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

describe('upgrading a database made before duration and failure moved to the recording', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps each case’s outcome on its recording and indexes existing cases for search', async () => {
    const { db, client } = await openDb(`file:${join(dir, 'loupe.db')}`);
    await migrate(db, { migrationsFolder: migrationsUpTo(dir, '0006_recording_capture_state') });
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

describe('upgrading a database that holds twin stills from before one still per image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one of each twin, the accepted or sent one, and every other still', async () => {
    const { db, client } = await openDb(`file:${join(dir, 'loupe.db')}`);
    await migrate(db, { migrationsFolder: migrationsUpTo(dir, '0012_session_patients') });
    const t = Date.UTC(2026, 11, 1);
    const still = (id: string, view: string | null, sha: string, verdict: string, pacs: string, at: number) =>
      `('${id}', 's', ${view ? "'e'" : 'NULL'}, ${view ? `'${view}'` : 'NULL'}, '${view ? 'capture' : 'freeze'}', '${sha}', 8, 8, 100, 'u', ${t + at}, '${verdict}', 'uid-${id}', '${pacs}')`;
    await client.executeMultiple(`
      INSERT INTO users (id, email, name, role, password_hash) VALUES ('u', 'u@x', 'U', 'surgeon', 'h');
      INSERT INTO live_sessions (id, title, procedure, specialty, scheduled_at, created_by) VALUES ('s', 'Scan', 'eFAST', 'US', ${t}, 'u');
      INSERT INTO exams (id, session_id, protocol_key, protocol_version, study_uid, series_uid, started_by, started_at) VALUES ('e', 's', 'efast', 1, '1.2', '1.2.3', 'u', ${t});
      INSERT INTO stills (id, session_id, exam_id, view_key, kind, sha256, width, height, bytes, captured_by, captured_at, verdict, sop_instance_uid, pacs_state) VALUES
        ${[
          still('ruq-first', 'ruq', 'a', 'pending', 'none', 1),
          still('ruq-second', 'ruq', 'a', 'pending', 'none', 2),
          still('luq-pending', 'luq', 'b', 'pending', 'none', 1),
          still('luq-accepted', 'luq', 'b', 'accepted', 'none', 2),
          still('luq-sent', 'luq', 'b', 'accepted', 'sent', 3),
          still('pelvis-retake', 'pelvis', 'c', 'retake', 'none', 1),
          still('pelvis-again', 'pelvis', 'c', 'pending', 'none', 2),
          still('cardiac', 'cardiac', 'd', 'pending', 'none', 1),
          still('cardiac-other', 'cardiac', 'e', 'pending', 'none', 2),
          still('freeze-1', null, 'f', 'pending', 'none', 1),
          still('freeze-2', null, 'f', 'pending', 'none', 2),
        ].join(',\n')};`);

    await migrateDb(db);
    const kept = await db.all<{ id: string }>(sql`SELECT id FROM stills ORDER BY id`);
    expect(kept.map((r) => r.id)).toEqual(['cardiac', 'cardiac-other', 'freeze-1', 'freeze-2', 'luq-sent', 'pelvis-again', 'pelvis-retake', 'ruq-first']);
    // The index holds from here: the same image again is refused, and a rerun changes nothing.
    await expect(
      client.execute(
        `INSERT INTO stills (id, session_id, exam_id, view_key, kind, sha256, width, height, bytes, captured_by, captured_at, sop_instance_uid) VALUES ('x', 's', 'e', 'ruq', 'capture', 'a', 8, 8, 100, 'u', ${t}, 'uid-x')`,
      ),
    ).rejects.toThrow(/UNIQUE/);
    await migrateDb(db);
    expect(await db.all(sql`SELECT id FROM stills ORDER BY id`)).toEqual(kept);
    client.close();
  });
});
