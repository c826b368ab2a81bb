import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { z } from 'zod';
import { BUILT_IN_PROTOCOLS, stillFile, type Exam, type VerdictBody } from '@loupe/protocol';
import { createTestApi, ok, refused, type TestAccount, type TestApi } from '../../test/fixture.ts';
import { contentDigest, sectorPng } from '../../test/stills.ts';
import { auditLog, cases, recordings, stills } from '../db/schema.ts';

const efast = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!;
const [firstView, secondView] = efast.views;

let api: TestApi;
let host: TestAccount, mentor: TestAccount, scanRoom: TestAccount, observer: TestAccount, lead: TestAccount;
let sessionId: string;

beforeAll(async () => {
  api = await createTestApi();
  host = await api.account('surgeon', 'Dr Host');
  mentor = await api.account('mentor', 'Dr Reviewer');
  scanRoom = await api.account('surgeon', 'Sonographer Wu');
  observer = await api.account('trainee', 'Trainee Li');
  lead = await api.account('qc_lead', 'QC Lead Zhao');
});
afterAll(() => api.close());

beforeEach(async () => {
  sessionId = await api.ultrasoundSession(host, [
    [mentor, 'mentor'],
    [scanRoom, 'theatre'],
    [observer, 'observer'],
  ]);
});

const startExam = (who: TestAccount, patient: Exam['deidentified'] extends boolean ? null : never = null) =>
  ok(api.client(who.cookie).sessions[':id'].exams.$post({ param: { id: sessionId }, json: { protocolKey: 'efast', patient } }));
/**
 * A still upload as the scan room's page sends it: the PNG as it is, its SHA-256 in Content-Digest
 * (`digest: null`: none). The typed client sends the bytes as they are, with the type they claim.
 */
const capture = (examId: string, view: string, bytes: Buffer, who = scanRoom, o: { digest?: string | null; type?: string } = {}) => {
  const digest = o.digest === undefined ? contentDigest(bytes) : o.digest;
  const stills = api.client(who.cookie).exams[':id'].stills;
  return stills.$post(
    { param: { id: examId }, query: { view }, header: digest === null ? {} : { 'content-digest': digest } },
    { headers: { 'content-type': o.type ?? 'image/png' }, init: { body: new Uint8Array(bytes) } },
  );
};
const verdict = (stillId: string, body: z.input<typeof VerdictBody>, who = mentor) =>
  api.client(who.cookie).stills[':id'].verdict.$post({ param: { id: stillId }, json: body });
const exam = async (examId: string) =>
  (await ok(api.client(observer.cookie).sessions[':id'].exams.$get({ param: { id: sessionId } }))).exams.find((e) => e.id === examId)!;
const refusals = async (examId: string) =>
  (await api.db.select().from(auditLog).where(eq(auditLog.action, 'still.refused'))).filter((e) => e.targetId === examId).map((e) => e.detail.reason);

describe('a guided exam', () => {
  it('keeps the still byte for byte, shows it to the session, and tells the room', async () => {
    const started = await startExam(host);
    expect(started).toMatchObject({ protocolKey: 'efast', protocolVersion: efast.version, status: 'running', deidentified: true, stills: [] });
    const png = sectorPng(640, 480);
    const still = await ok(capture(started.id, firstView!.key, png), 201);
    expect(still).toMatchObject({ viewKey: firstView!.key, verdict: 'pending', width: 640, height: 480, bytes: png.length, pacs: { state: 'none' } });

    const image = await api.client(observer.cookie).stills[':id'].image.$get({ param: { id: still.id } });
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
    expect(await readFile(join(api.config.mediaDir, stillFile(still.id)))).toEqual(png);
    expect(api.roomCalls.filter((c) => c.action === 'exam' && c.room === sessionId).map((c) => c.state)).toEqual([started.id, started.id]);
  });

  it('a verdict accepts with a score and queues the still for PACS; a retake reopens the view', async () => {
    const { id } = await startExam(mentor);
    const first = await ok(capture(id, firstView!.key, sectorPng(320, 240, 1)));
    const second = await ok(capture(id, secondView!.key, sectorPng(320, 240, 2)));

    expect((await verdict(first.id, { verdict: 'accepted', score: 4 })).status).toBe(200);
    const retake = await verdict(second.id, { verdict: 'retake', reason: 'incomplete_anatomy', comment: 'Show the whole splenorenal recess' });
    expect(retake.status).toBe(200);

    const now = await exam(id);
    expect(now.stills.find((s) => s.id === first.id)).toMatchObject({ verdict: 'accepted', score: 4, pacs: { state: 'queued' } });
    expect(now.stills.find((s) => s.id === second.id)).toMatchObject({ verdict: 'retake', reason: 'incomplete_anatomy', pacs: { state: 'none' } });
    // The retaken view takes a still again; the accepted one (max 1) does not.
    expect((await capture(id, secondView!.key, sectorPng(320, 240, 3))).status).toBe(201);
    expect((await refused(capture(id, firstView!.key, sectorPng(320, 240, 4)), 409)).error.reason).toBe('view_closed');
    expect((await verdict(first.id, { verdict: 'retake', reason: 'motion' })).status).toBe(409);
  });

  it('signs, after which it takes no still or verdict, and reports each view', async () => {
    const { id } = await startExam(scanRoom);
    const first = await ok(capture(id, firstView!.key, sectorPng()));
    const redo = await ok(capture(id, secondView!.key, sectorPng(320, 240, 5)));
    await ok(verdict(redo.id, { verdict: 'retake', reason: 'gain_depth' }));
    const again = await ok(capture(id, secondView!.key, sectorPng(320, 240, 6)));
    await ok(verdict(first.id, { verdict: 'accepted', score: 5, comment: 'Textbook Morison pouch' }));
    await ok(verdict(again.id, { verdict: 'accepted', score: 3 }));
    const pending = await ok(capture(id, efast.views[2]!.key, sectorPng(320, 240, 7)));

    const signed = await ok(api.client(mentor.cookie).exams[':id'].sign.$post({ param: { id }, json: { comment: 'Pericardial view missing' } }));
    expect(signed).toMatchObject({ status: 'signed', signedBy: mentor.user.id, comment: 'Pericardial view missing' });
    expect((await capture(id, efast.views[3]!.key, sectorPng())).status).toBe(409);
    expect((await verdict(pending.id, { verdict: 'accepted', score: 4 })).status).toBe(409);

    const report = await ok(api.client(observer.cookie).exams[':id'].report.$get({ param: { id } }));
    expect(report.views.map((v) => [v.view.key, v.verdict, v.stills, v.retakes, v.score])).toEqual(
      efast.views.map((v, i) =>
        i === 0
          ? [v.key, 'accepted', 1, 0, 5]
          : i === 1
            ? [v.key, 'accepted', 2, 1, 3]
            : i === 2
              ? [v.key, 'pending', 1, 0, null]
              : [v.key, 'missing', 0, 0, null],
      ),
    );
    expect(report.views[1]!.comments.map((c) => c.reason)).toEqual(['gain_depth', null]);
    expect(report.views[0]!.secondsToAccept).toBeGreaterThanOrEqual(0);
    expect(report).toMatchObject({ complete: false, meanScore: 4, sonographer: 'Sonographer Wu', reviewer: 'Dr Reviewer', session: { title: 'eFAST, bed 3' } });
  });
});

describe('an exam in a teaching case', () => {
  it('its report is for the session until a case holding its stills is published, then for everyone', async () => {
    const outsider = await api.account('trainee', 'Trainee of another hospital');
    const { id } = await startExam(host);
    const still = await ok(capture(id, firstView!.key, sectorPng(320, 240, 11)));
    const report = () => api.client(outsider.cookie).exams[':id'].report.$get({ param: { id } });
    await refused(report(), 404);

    const at = new Date(Date.UTC(2026, 11, 6, 8));
    const recordingId = crypto.randomUUID();
    await api.db.insert(recordings).values({
      id: recordingId,
      sessionId,
      status: 'ready',
      consentBy: host.user.id,
      consentAt: at,
      consentOnFile: true,
      noIdentifiersInView: true,
      startedAt: at,
    });
    await api.db.update(stills).set({ recordingId, atMs: 1000 }).where(eq(stills.id, still.id));
    const caseRow = { id: crypto.randomUUID(), sessionId, recordingId, status: 'ready' as const, title: 'eFAST', procedure: 'eFAST', specialty: 'Emergency' };
    await api.db.insert(cases).values({ ...caseRow, recordedAt: at, retainUntil: new Date(Date.UTC(2036, 0, 1)) });
    await refused(report(), 404);

    await api.db.update(cases).set({ published: true }).where(eq(cases.id, caseRow.id));
    expect((await ok(report())).views[0]).toMatchObject({ stills: 1, verdict: 'pending' });
  });
});

describe('bad input to an exam', () => {
  it('refuses a wrong hash, a missing hash, a non-PNG and an unknown view, clearly and audited, and keeps nothing', async () => {
    const { id } = await startExam(host);
    const png = sectorPng();
    const wrong = await refused(capture(id, firstView!.key, png, scanRoom, { digest: contentDigest(sectorPng(320, 240, 9)) }), 400);
    expect(wrong.error.message).toMatch(/SHA-256/);
    expect((await capture(id, firstView!.key, png, scanRoom, { digest: null })).status).toBe(400);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Buffer.alloc(64)]);
    expect((await capture(id, firstView!.key, jpeg)).status).toBe(400);
    expect((await capture(id, firstView!.key, png, scanRoom, { type: 'image/jpeg' })).status).toBe(415);
    expect((await capture(id, 'no_such_view', png)).status).toBe(400);
    expect(await refusals(id)).toEqual(['wrong_hash', 'no_digest', 'not_png', 'unknown_view']);
    expect(await api.db.select().from(stills).where(eq(stills.examId, id))).toEqual([]);
    // The exam goes on: the right still is then kept.
    expect((await capture(id, firstView!.key, png)).status).toBe(201);
  });

  it('takes a replayed upload (same exam and view, same SHA-256) as the still it kept, once', async () => {
    const { id } = await startExam(host);
    const png = sectorPng(320, 240, 7);
    const first = await ok(capture(id, firstView!.key, png), 201);
    // The page lost the answer and sends the same bytes again, after the view has been accepted and closed.
    expect((await verdict(first.id, { verdict: 'accepted', score: 4 })).status).toBe(200);
    const again = await ok(capture(id, firstView!.key, png), 200);
    expect(again).toMatchObject({ id: first.id, verdict: 'accepted' });
    expect(await api.db.select().from(stills).where(eq(stills.examId, id))).toHaveLength(1);
    expect(await refusals(id)).toEqual([]);
    // The same pixels for another view are that view's image (a frozen picture captured twice), not a replay;
    // and after a retake, a capture of the same pixels is a new still for the reviewer to judge again.
    const other = await ok(capture(id, secondView!.key, png), 201);
    expect(other).toMatchObject({ viewKey: secondView!.key, verdict: 'pending' });
    expect((await verdict(other.id, { verdict: 'retake', reason: 'wrong_plane' })).status).toBe(200);
    expect((await ok(capture(id, secondView!.key, png), 201)).id).not.toBe(other.id);
  });

  it('keeps one still when the same upload arrives several times at once', async () => {
    // An api of its own: its media directory then holds this test's files only.
    const mediaDir = await mkdtemp(join(tmpdir(), 'loupe-race-'));
    const own = await createTestApi({ LOUPE_MEDIA_DIR: mediaDir });
    onTestFinished(async () => {
      await own.close();
      await rm(mediaDir, { recursive: true, force: true });
    });
    const [ownHost, ownScanRoom] = [await own.account('surgeon'), await own.account('surgeon')];
    const session = await own.ultrasoundSession(ownHost, [[ownScanRoom, 'theatre']]);
    const { id } = await ok(own.client(ownHost.cookie).sessions[':id'].exams.$post({ param: { id: session }, json: { protocolKey: 'efast', patient: null } }));
    const png = sectorPng(320, 240, 8);
    const send = () =>
      own
        .client(ownScanRoom.cookie)
        .exams[':id'].stills.$post(
          { param: { id }, query: { view: firstView!.key }, header: { 'content-digest': contentDigest(png) } },
          { headers: { 'content-type': 'image/png' }, init: { body: new Uint8Array(png) } },
        );
    // All sent before any is answered: each finds no still of these bytes when it looks.
    const answers = await Promise.all([1, 2, 3, 4].map(send));
    const kept = await own.db.select().from(stills).where(eq(stills.examId, id));
    expect(kept).toHaveLength(1);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
    for (const answer of answers) expect(await ok(answer)).toMatchObject({ id: kept[0]!.id, verdict: 'pending' });
    const captured = await own.db.select().from(auditLog).where(eq(auditLog.action, 'still.captured'));
    expect(captured).toHaveLength(1);
    // The others' files are gone: the one file is the still kept.
    expect(await readdir(join(mediaDir, 'stills'))).toEqual([`${kept[0]!.id}.png`]);
    expect(await readFile(join(mediaDir, stillFile(kept[0]!.id)))).toEqual(png);
  });

  it('refuses a still too large for the api before reading it, and audits who sent it', async () => {
    const { id } = await startExam(host);
    const huge = Buffer.alloc(33 * 1024 * 1024, 1);
    const res = await capture(id, firstView!.key, huge);
    expect(res.status).toBe(413);
    // In the words the scan room's page shows, with the limit, as a refused reference image is.
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('A still may be at most 32 MB');
    const refused = (await api.db.select().from(auditLog).where(eq(auditLog.action, 'still.refused'))).filter((e) => e.detail.reason === 'too_large');
    expect(refused.at(-1)).toMatchObject({ actorId: scanRoom.user.id, detail: { path: `/exams/${id}/stills` } });
    expect(await api.db.select().from(stills).where(eq(stills.examId, id))).toEqual([]);
  });

  it('takes stills from the scan room only, and verdicts from reviewers only', async () => {
    const { id } = await startExam(host);
    for (const who of [host, mentor, observer]) expect((await capture(id, firstView!.key, sectorPng(), who)).status).toBe(403);
    const still = await ok(capture(id, firstView!.key, sectorPng()));
    for (const who of [host, scanRoom, observer, lead])
      expect((await verdict(still.id, { verdict: 'accepted', score: 4 }, who)).status).toBe(lead === who ? 404 : 403);
    const denied = await api.db.select().from(auditLog).where(eq(auditLog.action, 'access.denied'));
    expect(denied.filter((e) => e.targetId === still.id).length).toBeGreaterThanOrEqual(3);
    expect((await exam(id)).stills[0]).toMatchObject({ verdict: 'pending' });
  });
});

describe('scan protocols', () => {
  const body = {
    key: 'lung_blines',
    examType: 'other' as const,
    name: { en: 'Lung B-lines', zh: '肺 B 线' },
    source: 'Volpicelli 2012',
    views: efast.views.slice(3, 5),
  };

  it('lists the built-in ones, and a QC lead versions a protocol while exams keep theirs', async () => {
    const listed = await ok(api.client(observer.cookie).protocols.$get());
    expect(listed.protocols.map((p) => p.key).sort()).toEqual(BUILT_IN_PROTOCOLS.map((p) => p.key).sort());

    const created = await ok(api.client(lead.cookie).protocols.$post({ json: body }));
    expect(created).toMatchObject({ key: 'lung_blines', version: 1, inUse: false, builtIn: false });
    const { id } = await ok(
      api.client(host.cookie).sessions[':id'].exams.$post({ param: { id: sessionId }, json: { protocolKey: 'lung_blines', patient: null } }),
    );

    const change = api
      .client(lead.cookie)
      .protocols[':key'][':version'].$put({ param: { key: 'lung_blines', version: '1' }, json: { ...body, source: 'changed' } });
    expect((await refused(change, 409)).error.reason).toBe('protocol_in_use');
    const audited = await api.db.select().from(auditLog).where(eq(auditLog.action, 'protocol.refused'));
    expect(audited.map((e) => e.targetId)).toContain('lung_blines@1');

    const v2 = await ok(
      api.client(lead.cookie).protocols[':key'].versions.$post({ param: { key: 'lung_blines' }, json: { ...body, views: efast.views.slice(3, 6) } }),
    );
    expect(v2.version).toBe(2);
    expect((await exam(id)).protocolVersion).toBe(1);
    const again = await ok(
      api.client(host.cookie).sessions[':id'].exams.$post({ param: { id: sessionId }, json: { protocolKey: 'lung_blines', patient: null } }),
    );
    expect(again.protocolVersion).toBe(2);
  });

  it('is edited by QC leads and admins only', async () => {
    for (const who of [host, mentor, observer]) expect((await api.client(who.cookie).protocols.$post({ json: { ...body, key: 'x' } })).status).toBe(403);
  });
});
