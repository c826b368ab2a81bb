import { appendFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '@libsql/client';
import { createTestApi, ok, type TestAccount, type TestApi } from '../../test/fixture.ts';
import { parseApiConfig } from '../env.ts';
import { auditHead, recordAudit } from './audit.ts';
import { anchorAuditHead, startAuditAnchoring, type AuditAnchor } from './anchor.ts';
import { verifyAuditChain } from './verify.ts';
import { currentLease } from '../leases/lease.ts';

let api: TestApi;
let admin: TestAccount;
let file: string;

beforeEach(async () => {
  api = await createTestApi();
  admin = await api.account('admin', 'Dr. Lin Wei');
  file = api.config.auditAnchorFile;
});
afterEach(() => api.close());

const verify = () => ok(api.client(admin.cookie).audit.verify.$get());
const anchorLines = async (): Promise<AuditAnchor[]> =>
  (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const entry = (n: number) => ({ action: 'case.view' as const, actorId: null, actorLabel: `reader ${n}`, detail: { n } });

/** SQL on the database file itself, as someone who has it, with the append-only triggers dropped. */
async function behindTheApisBack(...statements: string[]) {
  const raw = createClient({ url: api.config.db.url });
  await raw.execute('DROP TRIGGER audit_log_no_update');
  await raw.execute('DROP TRIGGER audit_log_no_delete');
  for (const sql of statements) await raw.execute(sql);
  raw.close();
}

describe('anchoring the audit chain outside the database', () => {
  it('appends the head to the anchor file only when it moved, in a file only the service user may read', async () => {
    const head = (await auditHead(api.db))!;
    const first = await anchorAuditHead(api.db, file);
    expect(first).toEqual({ seq: head.seq, hash: head.hash, at: expect.any(String) });
    expect(await anchorAuditHead(api.db, file)).toBeNull();
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // The job: a start and a stop anchor nothing new, whichever process wrote the last line.
    await startAuditAnchoring(api.db, file, 'api-1')();
    expect(await anchorLines()).toEqual([first]);

    const moved = await recordAudit(api.db, entry(1));
    await startAuditAnchoring(api.db, file, 'api-1')();
    expect(await anchorLines()).toEqual([first, { seq: moved.seq, hash: moved.hash, at: expect.any(String) }]);
  });

  it('with two api processes on one database, one anchors and the other writes nothing, not even on its way out', async () => {
    const other = join(dirname(file), 'other-anchors.jsonl');
    const stopFirst = startAuditAnchoring(api.db, file, 'api-1');
    const head = (await auditHead(api.db))!;
    // api-1 holds the job and has anchored the head before api-2 starts.
    await expect.poll(async () => (await anchorLines()).at(-1)?.seq, { timeout: 10_000 }).toBe(head.seq);
    expect((await currentLease(api.db, 'job:audit-anchor'))?.owner).toBe('api-1');

    // api-2 starts and stops: its round and its last anchor both find the job api-1's.
    await startAuditAnchoring(api.db, other, 'api-2')();
    await expect(stat(other)).rejects.toThrow(/ENOENT/);

    const moved = await recordAudit(api.db, entry(1));
    await stopFirst();
    expect((await anchorLines()).map((a) => a.seq)).toEqual([head.seq, moved.seq]);
    await expect(stat(other)).rejects.toThrow(/ENOENT/);
  });

  it('verifies through normal appends, and says how many anchors it checked and when the last was made', async () => {
    await anchorAuditHead(api.db, file);
    await recordAudit(api.db, entry(1));
    const last = (await anchorAuditHead(api.db, file))!;
    await recordAudit(api.db, entry(2));
    const head = (await auditHead(api.db))!;
    expect(await verify()).toEqual({
      ok: true,
      checked: head.seq,
      brokenAt: null,
      head: head.hash,
      anchors: 2,
      anchoredAt: last.at,
      anchorFailure: null,
    });
  });

  it('reports entries cut off the end, which the chain alone cannot show', async () => {
    for (let n = 0; n < 3; n++) await recordAudit(api.db, entry(n));
    const anchored = (await anchorAuditHead(api.db, file))!;
    await behindTheApisBack(`DELETE FROM audit_log WHERE seq > ${anchored.seq - 2}`);

    expect(await verifyAuditChain(api.db)).toMatchObject({ ok: true, checked: anchored.seq - 2 });
    expect(await verify()).toMatchObject({
      ok: false,
      checked: anchored.seq - 2,
      brokenAt: null,
      anchorFailure: { line: 1, reason: 'truncated', seq: anchored.seq, hash: anchored.hash, at: anchored.at },
    });
    // Anchoring on does not hide it: the shorter head is appended, the old anchor still fails.
    await anchorAuditHead(api.db, file);
    expect((await verify()).anchorFailure).toMatchObject({ line: 1, reason: 'truncated' });
  });

  it('reports both an entry changed in the middle and the end cut off after it', async () => {
    for (let n = 0; n < 3; n++) await recordAudit(api.db, entry(n));
    const anchored = (await anchorAuditHead(api.db, file))!;
    await behindTheApisBack(`UPDATE audit_log SET actor_label = 'nobody' WHERE seq = 2`, `DELETE FROM audit_log WHERE seq = ${anchored.seq}`);
    expect(await verify()).toMatchObject({ ok: false, checked: 1, brokenAt: 2, anchorFailure: { line: 1, reason: 'truncated', seq: anchored.seq } });
  });

  it('reports a chain rebuilt from scratch with other hashes, though it is whole and longer', async () => {
    const kept = (await anchorAuditHead(api.db, file))!;
    await recordAudit(api.db, entry(0));
    const anchored = (await anchorAuditHead(api.db, file))!;
    await behindTheApisBack('DELETE FROM audit_log');
    for (let n = 0; n < anchored.seq + 2; n++) await recordAudit(api.db, entry(100 + n));

    expect(await verifyAuditChain(api.db)).toMatchObject({ ok: true, checked: anchored.seq + 2 });
    const result = await verify();
    expect(result).toMatchObject({ ok: false, brokenAt: null, anchors: 2 });
    // The first anchor in the file that fails is named.
    expect(result.anchorFailure).toEqual({ line: 1, reason: 'rewritten', ...kept });
  });

  it('names a line of the anchor file that is not an anchor', async () => {
    await anchorAuditHead(api.db, file);
    await appendFile(file, '{"seq": "not a number"}\n');
    expect(await verify()).toMatchObject({ ok: false, brokenAt: null, anchors: 1, anchorFailure: { line: 2, reason: 'unreadable', seq: null } });
  });

  it('after a write cut short by a crash, the next anchor starts a line of its own and reads', async () => {
    const first = (await anchorAuditHead(api.db, file))!;
    await appendFile(file, '{"seq": 9, "hash": "ab');
    const moved = await recordAudit(api.db, entry(1));
    await anchorAuditHead(api.db, file);
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(JSON.parse(lines[0]!)).toEqual(first);
    expect(lines[1]).toBe('{"seq": 9, "hash": "ab');
    expect(JSON.parse(lines[2]!)).toMatchObject({ seq: moved.seq, hash: moved.hash });
    // The torn line is still named, and only it.
    expect(await verify()).toMatchObject({ ok: false, anchors: 2, anchorFailure: { line: 2, reason: 'unreadable' } });
  });

  it('an anchor file that cannot be read is reported on the page, not a failed page', async () => {
    await anchorAuditHead(api.db, file);
    await rm(file);
    // A directory where the file should be: reading it fails (EISDIR) as a file without permission would.
    await mkdir(file);
    expect(await ok(api.client(admin.cookie).audit.verify.$get(), 200)).toMatchObject({ ok: false, anchorFailure: { line: 0, reason: 'unreadable' } });
  });

  it('keeps the anchor file beside the database file unless LOUPE_AUDIT_ANCHOR_FILE names another file', () => {
    const keys = { LIVEKIT_API_KEY: 'APIkey', LIVEKIT_API_SECRET: 'a-secret-that-is-long-enough-0123456789' };
    expect(parseApiConfig({ ...keys, LOUPE_DB_URL: 'file:/srv/loupe/loupe.db' }).auditAnchorFile).toBe('/srv/loupe/audit-anchor.jsonl');
    expect(parseApiConfig({ ...keys }).auditAnchorFile).toBe(join(process.cwd(), 'data', 'audit-anchor.jsonl'));
    expect(parseApiConfig({ ...keys, LOUPE_AUDIT_ANCHOR_FILE: '/mnt/worm/loupe.jsonl' }).auditAnchorFile).toBe('/mnt/worm/loupe.jsonl');
    expect(parseApiConfig({ ...keys, LOUPE_AUDIT_ANCHOR_FILE: '' }).auditAnchorFile).toBe(join(process.cwd(), 'data', 'audit-anchor.jsonl'));
    expect(() => parseApiConfig({ ...keys, LOUPE_AUDIT_ANCHOR_FILE: '/mnt/worm/' })).toThrow(/LOUPE_AUDIT_ANCHOR_FILE: must name a file/);
    const db = { LOUPE_DB_URL: 'file:/srv/loupe/loupe.db', LOUPE_AUDIT_ANCHOR_FILE: '/srv/loupe/loupe.db' };
    expect(() => parseApiConfig({ ...keys, ...db })).toThrow(/LOUPE_AUDIT_ANCHOR_FILE: must be another file than the database/);
  });
});
