/**
 * The outbox's states as the queue's page shows them, and an administrator's retry. What a real
 * PACS makes of the stills is in api/test/pacs-orthanc.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stillFile } from '@loupe/protocol';
import { createTestApi, ok, type TestAccount, type TestApi } from '../../test/fixture.ts';
import { acceptedStill, examAt } from '../../test/accepted-stills.ts';
import { sectorPng } from '../../test/stills.ts';
import { auditLog, stills } from '../db/schema.ts';
import { NO_PACS, NO_PACS_RECHECK_MS, retryDelay, runOutboxOnce } from './outbox.ts';

let api: TestApi;
let mediaDir: string;
let admin: TestAccount;
let qcLead: TestAccount;
let surgeon: TestAccount;
/** Never contacted: these stills fail, or wait, before anything is sent. */
const UNUSED_PACS = 'http://127.0.0.1:9/dicom-web';

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'loupe-pacs-media-'));
  api = await createTestApi({ LOUPE_MEDIA_DIR: mediaDir });
  admin = await api.account('admin');
  qcLead = await api.account('qc_lead');
  surgeon = await api.account('surgeon');
});
afterAll(async () => {
  await api.close();
  await rm(mediaDir, { recursive: true, force: true });
});

const stillRow = (id: string) => api.db.select().from(stills).where(eq(stills.id, id)).get();
const audits = (id: string) => api.db.select().from(auditLog).where(eq(auditLog.targetId, id));
const queue = (cookie: string, query: { site?: string; state?: 'queued' | 'failed' | 'sent' } = {}) => api.client(cookie).pacs.queue.$get({ query });
const retry = (cookie: string, id: string) => api.client(cookie).pacs.stills[':id'].retry.$post({ param: { id } });

describe('the PACS outbox', () => {
  it('keeps a still queued, saying why, while neither its site nor the api names a PACS', async () => {
    const exam = await examAt(api, { dicomwebUrl: null });
    const still = await acceptedStill(api, exam, 'ruq', sectorPng());
    const now = new Date();

    expect(await runOutboxOnce(api.db, { media: api.media, dicomwebUrl: undefined }, now)).toContain('waiting');

    expect(await stillRow(still.id)).toMatchObject({
      pacsState: 'queued',
      pacsAttempts: 0,
      pacsError: NO_PACS,
      pacsNextAt: new Date(now.getTime() + NO_PACS_RECHECK_MS),
    });
    const listed = (await ok(queue(qcLead.cookie, { site: exam.siteId! }))).stills;
    expect(listed).toEqual([expect.objectContaining({ stillId: still.id, state: 'queued', error: NO_PACS, sentAt: null })]);
    // Named as people know the view, in both languages, not by its key.
    expect(listed[0]!.viewName).toEqual(exam.protocol.views.find((v) => v.key === 'ruq')!.name);
    expect(await audits(still.id)).toEqual([]);
  });

  it('fails a still it cannot turn into DICOM for good, and an administrator’s retry queues it again', async () => {
    const exam = await examAt(api, { dicomwebUrl: UNUSED_PACS });
    const still = await acceptedStill(api, exam, 'luq', sectorPng());
    await writeFile(join(mediaDir, stillFile(still.id)), 'not a PNG');

    expect(await runOutboxOnce(api.db, { media: api.media, dicomwebUrl: undefined })).toContain('failed');
    const failed = await stillRow(still.id);
    expect(failed).toMatchObject({ pacsState: 'failed', pacsAttempts: 1, pacsNextAt: null });
    expect(failed?.pacsError).toMatch(/^the still is not a readable PNG: /);
    expect((await audits(still.id)).map((a) => [a.action, a.detail.retryAt])).toEqual([['pacs.failed', null]]);

    expect((await retry(qcLead.cookie, still.id)).status).toBe(403);
    const requeued = await ok(retry(admin.cookie, still.id));
    expect(requeued).toMatchObject({ stillId: still.id, state: 'queued', attempts: 0, error: null });
    expect(await stillRow(still.id)).toMatchObject({ pacsState: 'queued', pacsError: null });
    const [entry] = await api.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, still.id), eq(auditLog.action, 'pacs.retried')));
    expect(entry).toMatchObject({ actorId: admin.user.id, sessionId: exam.sessionId });

    const again = await retry(admin.cookie, still.id);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { message: 'Only a failed still can be retried; this one is queued' } });
    expect((await retry(admin.cookie, crypto.randomUUID())).status).toBe(404);
  });

  it('waits 5 s after the first failure, doubling up to 10 minutes', () => {
    expect([1, 2, 3, 7, 8, 50].map(retryDelay)).toEqual([5_000, 10_000, 20_000, 320_000, 600_000, 600_000]);
  });
});

describe('GET /pacs/queue', () => {
  it('lists failed stills first, then queued, then sent, for one site or state when asked; QC leads and admins only', async () => {
    const north = await examAt(api, { dicomwebUrl: UNUSED_PACS });
    const south = await examAt(api, { dicomwebUrl: UNUSED_PACS });
    const sent = await acceptedStill(api, north, 'ruq', sectorPng());
    const queued = await acceptedStill(api, north, 'luq', sectorPng());
    const failed = await acceptedStill(api, north, 'pelvis', sectorPng());
    const elsewhere = await acceptedStill(api, south, 'ruq', sectorPng());
    // None due, so that an outbox pass of another test leaves them as they are.
    await api.db
      .update(stills)
      .set({ pacsNextAt: new Date(Date.now() + 3_600_000) })
      .where(eq(stills.examId, south.examId));
    await api.db
      .update(stills)
      .set({ pacsNextAt: new Date(Date.now() + 3_600_000) })
      .where(eq(stills.id, queued.id));
    await api.db.update(stills).set({ pacsState: 'sent', pacsSentAt: new Date(), pacsNextAt: null }).where(eq(stills.id, sent.id));
    await api.db
      .update(stills)
      .set({ pacsState: 'failed', pacsAttempts: 3, pacsError: 'PACS answered 503 Service Unavailable', pacsNextAt: null })
      .where(eq(stills.id, failed.id));

    const northList = (await ok(queue(admin.cookie, { site: north.siteId! }))).stills;
    expect(northList.map((s) => [s.stillId, s.state])).toEqual([
      [failed.id, 'failed'],
      [queued.id, 'queued'],
      [sent.id, 'sent'],
    ]);
    expect(northList[0]).toMatchObject({ attempts: 3, error: 'PACS answered 503 Service Unavailable', siteId: north.siteId, examId: north.examId });
    const southList = (await ok(queue(qcLead.cookie, { site: south.siteId! }))).stills;
    expect(southList.map((s) => s.stillId)).toEqual([elsewhere.id]);
    const sentOnly = (await ok(queue(admin.cookie, { site: north.siteId!, state: 'sent' }))).stills;
    expect(sentOnly.map((s) => s.stillId)).toEqual([sent.id]);

    expect((await queue(surgeon.cookie)).status).toBe(403);
    expect((await api.app.request('/pacs/queue?state=none', { headers: { cookie: admin.cookie } })).status).toBe(400);
  });
});
