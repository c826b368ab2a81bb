import { access, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { sql } from 'drizzle-orm';
import type { SessionRole } from '@loupe/protocol';
import { TEST_KEYS, TEST_RECORDER_TOKEN, createTestApi, ok, refused, type TestAccount, type TestApi } from '../../test/fixture.ts';
import { MIGRATIONS_DIR } from '../db/migrate.ts';
import { parseApiConfig } from '../env.ts';
import { sweepExpiredCases } from './retention.ts';

const DAY_MS = 86_400_000;
let api: TestApi;
let mediaDir: string;
let host: TestAccount;
let admin: TestAccount;

beforeEach(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'loupe-media-'));
  api = await createTestApi({ LOUPE_MEDIA_DIR: mediaDir, LOUPE_CASE_RETENTION_DAYS: '30' });
  host = await api.account('surgeon', 'Dr. Host');
  admin = await api.account('admin', 'Dr. Admin');
});
afterEach(async () => {
  await api.close();
  await rm(mediaDir, { recursive: true, force: true });
});

/** The api as the holder of `who`'s cookie. */
const as = (who: TestAccount) => api.client(who.cookie);
const byId = (id: string) => ({ param: { id } });

/** A recorded session with media files; the recorder reports it finished unless `finished` is false. */
async function recordedCase(title: string, { finished = true, members = [] as [TestAccount, SessionRole][] } = {}) {
  const body = { title, procedure: 'Cholecystectomy', specialty: 'General surgery', scheduledAt: '2026-12-01T08:00:00Z' };
  const session = await ok(as(host).sessions.$post({ json: body }));
  for (const [person, role] of members) {
    await ok(as(host).sessions[':id'].members.$post({ ...byId(session.id), json: { email: person.user.email, role } }));
  }
  await ok(as(host).sessions[':id'].start.$post(byId(session.id)));
  const consent = { consentOnFile: true, noIdentifiersInView: true } as const;
  const recording = await ok(as(host).sessions[':id'].recording.$post({ ...byId(session.id), json: consent }));
  await ok(as(host).sessions[':id'].recording.stop.$post(byId(session.id)));
  const dir = join(mediaDir, 'recordings', recording.id);
  await mkdir(dir, { recursive: true });
  for (const file of ['case.mp4', 'annotations.json', 'poster.jpg']) await writeFile(join(dir, file), 'media');
  if (finished) await finish(recording.id);
  const made = (await ok(as(host).cases.$get({ query: {} }))).cases.find((c) => c.title === title);
  if (!made) throw new Error(`no case titled ${title}`);
  return { ...made, dir, recordingId: recording.id };
}

async function finish(recordingId: string) {
  const recorder = api.client({ authorization: `Bearer ${TEST_RECORDER_TOKEN}` }).internal.recordings[':id'];
  await ok(recorder.outcome.$post({ ...byId(recordingId), json: { status: 'ready', durationMs: 60_000, failure: null, chapters: [] } }));
}

const keepUntil = (id: string, retainUntil: string, who = host) => as(who).cases[':id'].$patch({ ...byId(id), json: { retainUntil } });
const audit = (action: string) => ok(as(admin).audit.$get({ query: { action } }));
const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const indexed = async (id: string) => (await api.db.all(sql`SELECT case_id FROM cases_fts WHERE case_id = ${id}`)).length > 0;
const caseStatus = async (id: string) => (await as(admin).cases[':id'].$get(byId(id))).status;

describe('how long a case is kept', () => {
  it('a new case is kept the configured number of days from its recording, shown with its consent record', async () => {
    const made = await recordedCase('Lap chole');
    expect(Date.parse(made.retainUntil) - Date.parse(made.recordedAt)).toBe(30 * DAY_MS);
    const page = await ok(as(host).cases[':id'].$get(byId(made.id)));
    const recording = await ok(as(host).sessions[':id'].recording.$get(byId(page.sessionId)));
    expect(page.consent).toEqual({ by: 'Dr. Host', at: recording.consentAt });
  });

  it('is ten years unless configured, and at most thirty', () => {
    const keys = { LIVEKIT_API_KEY: TEST_KEYS.apiKey, LIVEKIT_API_SECRET: TEST_KEYS.apiSecret };
    const config = (days?: string) => parseApiConfig({ ...keys, ...(days && { LOUPE_CASE_RETENTION_DAYS: days }) });
    expect(config().caseRetentionMs).toBe(3650 * DAY_MS);
    expect(config('365').caseRetentionMs).toBe(365 * DAY_MS);
    for (const bad of ['0', '11000', 'forever']) expect(() => config(bad), bad).toThrow(/LOUPE_CASE_RETENTION_DAYS/);
  });

  it('editors change the date, to a day in the future no more than thirty years ahead; others may not', async () => {
    const observer = await api.account('trainee', 'Observer');
    const outsider = await api.account('trainee', 'Outsider');
    const made = await recordedCase('Whipple', { members: [[observer, 'observer']] });
    for (const bad of [inDays(-1), inDays(31 * 365), '2030-01-01', 'soon']) {
      expect((await refused(keepUntil(made.id, bad), 400)).error.code, bad).toBe('invalid_request');
    }
    expect((await keepUntil(made.id, inDays(10), observer)).status).toBe(403);
    expect((await keepUntil(made.id, inDays(10), outsider)).status).toBe(404);
    const unchanged = await ok(as(host).cases[':id'].$get(byId(made.id)));
    expect(unchanged.retainUntil).toBe(made.retainUntil);

    const later = inDays(20 * 365);
    const edited = await ok(keepUntil(made.id, later));
    expect(edited.retainUntil).toBe(later);
    const soon = inDays(10);
    expect((await ok(keepUntil(made.id, soon, admin))).retainUntil).toBe(soon);
    const [entry] = (await audit('case.edit')).entries;
    expect(entry).toMatchObject({ actorLabel: 'Dr. Admin', targetId: made.id, detail: { fields: ['retainUntil'], retainUntil: soon } });
  });
});

describe('the retention sweep', () => {
  it('deletes a case past its date with its media and search entry, and says so in the audit log', async () => {
    const due = await recordedCase('Due for deletion');
    const kept = await recordedCase('Kept longer');
    await ok(keepUntil(kept.id, inDays(365)));
    const now = new Date(Date.parse(due.retainUntil) + 1);

    expect(await sweepExpiredCases(api.db, api.media, now)).toBe(1);
    expect(await exists(due.dir)).toBe(false);
    expect(await caseStatus(due.id)).toBe(404);
    expect(await indexed(due.id)).toBe(false);
    expect(await exists(join(kept.dir, 'case.mp4'))).toBe(true);
    expect(await caseStatus(kept.id)).toBe(200);
    expect(await indexed(kept.id)).toBe(true);

    const entries = (await audit('case.expired')).entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorId: null,
      actorLabel: 'system',
      targetType: 'case',
      targetId: due.id,
      detail: { title: 'Due for deletion', recordedAt: due.recordedAt, retainUntil: due.retainUntil },
    });
    // Again: nothing left to do, and no second entry.
    expect(await sweepExpiredCases(api.db, api.media, now)).toBe(0);
    expect((await audit('case.expired')).total).toBe(1);
    expect((await ok(as(admin).audit.verify.$get())).ok).toBe(true);
  });

  it('never touches a case whose recording the recorder is still finishing', async () => {
    const busy = await recordedCase('Still finalising', { finished: false });
    const now = new Date(Date.parse(busy.retainUntil) + 1);
    expect(await sweepExpiredCases(api.db, api.media, now)).toBe(0);
    expect(await readFile(join(busy.dir, 'case.mp4'), 'utf8')).toBe('media');
    expect(await caseStatus(busy.id)).toBe(200);

    await finish(busy.recordingId);
    expect(await sweepExpiredCases(api.db, api.media, now)).toBe(1);
    expect(await exists(busy.dir)).toBe(false);
  });

  it('deletes the case even when its media directory is already gone', async () => {
    const made = await recordedCase('Media gone');
    await rm(made.dir, { recursive: true });
    expect(await sweepExpiredCases(api.db, api.media, new Date(Date.parse(made.retainUntil) + 1))).toBe(1);
    expect(await caseStatus(made.id)).toBe(404);
  });
});

describe('the retention migration', () => {
  it('keeps cases made before it ten years from their recording', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loupe-migrate-'));
    try {
      // The migrations as they were before retention, then the case rows of that time.
      const before = join(dir, 'migrations');
      await cp(MIGRATIONS_DIR, before, { recursive: true });
      const journalPath = join(before, 'meta', '_journal.json');
      const journal = JSON.parse(await readFile(journalPath, 'utf8'));
      const at = journal.entries.findIndex((e: { tag: string }) => e.tag === '0005_case_retention');
      await writeFile(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
      const client = createClient({ url: `file:${join(dir, 'old.db')}` });
      const db = drizzle(client);
      await migrate(db, { migrationsFolder: before });
      const recordedAt = Date.UTC(2024, 2, 1);
      await db.run(sql`INSERT INTO users (id, email, name, role, password_hash) VALUES ('u', 'u@h.test', 'U', 'admin', 'x')`);
      await db.run(sql`INSERT INTO live_sessions (id, title, procedure, specialty, scheduled_at, created_by) VALUES ('s', 'T', 'P', 'S', ${recordedAt}, 'u')`);
      await db.run(sql`INSERT INTO recordings (id, session_id, status, consent_by, consent_at, consent_on_file, no_identifiers_in_view, started_at)
        VALUES ('r', 's', 'ready', 'u', ${recordedAt}, 1, 1, ${recordedAt})`);
      await db.run(sql`INSERT INTO cases (id, session_id, recording_id, status, title, procedure, specialty, recorded_at)
        VALUES ('c', 's', 'r', 'ready', 'Old case', 'P', 'S', ${recordedAt})`);

      await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
      const rows = await db.all<{ title: string; retain_until: number }>(sql`SELECT title, retain_until FROM cases`);
      expect(rows).toEqual([{ title: 'Old case', retain_until: recordedAt + 3650 * DAY_MS }]);
      client.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
