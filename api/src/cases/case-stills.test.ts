/**
 * A teaching case's stills: the exam's stills and the mentor's freeze frames taken while its
 * recording ran, each at the moment the recorder logged in the case's track (else the api's
 * own guess), seen by whoever sees the case, and by everyone once it is published.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILT_IN_PROTOCOLS, CASE_FILES, CASE_TRACK_VERSION, recordingFolder, type CaseTrack } from '@loupe/protocol';
import { createTestApi, ok, refused, type TestAccount, type TestApi } from '../../test/fixture.ts';
import { contentDigest, sectorPng } from '../../test/stills.ts';
import { auditLog, cases, recordings } from '../db/schema.ts';

const efast = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!;

let api: TestApi;
let host: TestAccount, mentor: TestAccount, scanRoom: TestAccount, outsider: TestAccount;
let sessionId: string;
let recordingId: string;

beforeAll(async () => {
  api = await createTestApi();
  host = await api.account('surgeon', 'Dr Host');
  mentor = await api.account('mentor', 'Dr Reviewer');
  scanRoom = await api.account('surgeon', 'Sonographer Wu');
  outsider = await api.account('trainee', 'Trainee of another ward');
});
afterAll(() => api.close());

beforeEach(async () => {
  sessionId = await api.ultrasoundSession(host, [
    [mentor, 'mentor'],
    [scanRoom, 'theatre'],
  ]);
  // A recording capturing since ten seconds ago (the recorder's part is recorder/test/recording.test.ts).
  recordingId = crypto.randomUUID();
  const since = new Date(Date.now() - 10_000);
  await api.db.insert(recordings).values({
    id: recordingId,
    sessionId,
    status: 'recording',
    consentBy: host.user.id,
    consentAt: since,
    consentOnFile: true,
    noIdentifiersInView: true,
    startedAt: since,
    capturingAt: since,
  });
});

const freeze = (bytes: Buffer, who = mentor, digest: string | null = contentDigest(bytes)) =>
  api
    .client(who.cookie)
    .sessions[':id']['freeze-stills'].$post(
      { param: { id: sessionId }, header: digest === null ? {} : { 'content-digest': digest } },
      { headers: { 'content-type': 'image/png' }, init: { body: new Uint8Array(bytes) } },
    );

async function captureExamStill() {
  const exam = await ok(api.client(host.cookie).sessions[':id'].exams.$post({ param: { id: sessionId }, json: { protocolKey: 'efast', patient: null } }));
  const png = sectorPng(320, 240, 3);
  return ok(
    api
      .client(scanRoom.cookie)
      .exams[':id'].stills.$post(
        { param: { id: exam.id }, query: { view: efast.views[0]!.key }, header: { 'content-digest': contentDigest(png) } },
        { headers: { 'content-type': 'image/png' }, init: { body: new Uint8Array(png) } },
      ),
  );
}

/** The recording finished as a case, its track holding `events`. */
async function finishAsCase(events: CaseTrack['events'], published = false): Promise<string> {
  await api.db.update(recordings).set({ status: 'ready', durationMs: 60_000 }).where(eq(recordings.id, recordingId));
  const caseId = crypto.randomUUID();
  await api.db.insert(cases).values({
    id: caseId,
    sessionId,
    recordingId,
    status: 'ready',
    title: 'eFAST teaching case',
    procedure: 'eFAST',
    specialty: 'Emergency',
    published,
    recordedAt: new Date(),
    retainUntil: new Date(Date.UTC(2036, 0, 1)),
  });
  const dir = join(api.config.mediaDir, recordingFolder(recordingId));
  await mkdir(dir, { recursive: true });
  const track: CaseTrack = { v: CASE_TRACK_VERSION, durationMs: 60_000, events, gaps: [] };
  await writeFile(join(dir, CASE_FILES.annotations), JSON.stringify(track));
  return caseId;
}

const galleryOf = (caseId: string, who: TestAccount) => api.client(who.cookie).cases[':id'].stills.$get({ param: { id: caseId } });
const imageOf = (stillId: string, who: TestAccount) => api.client(who.cookie).stills[':id'].image.$get({ param: { id: stillId } });

describe('freeze frames', () => {
  it('keeps a mentor’s freeze frame byte for byte as a still of kind freeze, on the recording, and tells the room it arrived', async () => {
    const png = sectorPng(640, 360, 9);
    const still = await ok(freeze(png));
    expect(still).toMatchObject({ kind: 'freeze', examId: null, viewKey: null, width: 640, height: 360, recordingId, verdict: 'pending' });
    // The api's own guess: ten seconds into the recording, give or take the test's own time.
    expect(still.atMs).toBeGreaterThanOrEqual(10_000);
    const image = await imageOf(still.id, mentor);
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
    const notice = api.roomCalls.find((c) => c.action === 'exam' && c.notice?.stillId === still.id)?.notice;
    expect(notice).toEqual({ v: 1, examId: null, stillId: still.id, captured: true });
  });

  it('takes them from the session’s mentors only, and only a PNG matching its Content-Digest', async () => {
    const png = sectorPng(64, 48);
    await refused(freeze(png, scanRoom), 403);
    await refused(freeze(png, host), 403);
    await refused(freeze(png, outsider), 404);
    await refused(freeze(png, mentor, null), 400);
    await refused(freeze(png, mentor, contentDigest(sectorPng(64, 48, 2))), 400);
    const notPng = Buffer.from('not a picture at all');
    await refused(freeze(notPng, mentor), 400);
    const reasons = (await api.db.select().from(auditLog).where(eq(auditLog.action, 'still.refused'))).map((e) => (e.detail as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(['no_digest', 'wrong_hash', 'not_png']));
  });

  it('says when a session has ended', async () => {
    await ok(api.client(host.cookie).sessions[':id'].end.$post({ param: { id: sessionId } }));
    await refused(freeze(sectorPng(64, 48)), 409);
  });
});

describe("a case's gallery", () => {
  it('lists the stills at the moments the recorder logged, the exam and view of each, and falls back on the api’s guess for a still the track does not have', async () => {
    const captured = await captureExamStill();
    const frozen = await ok(freeze(sectorPng(320, 240, 4)));
    const notice = api.roomCalls.find((c) => c.notice?.stillId === captured.id)?.notice;
    expect(notice).toEqual({ v: 1, examId: captured.examId, stillId: captured.id, captured: true });
    // The recorder heard of the exam's still at 4.321 s of the case (a pause made the wall clock run ahead).
    const caseId = await finishAsCase([{ mediaMs: 4321, type: 'still', stillId: captured.id }]);
    const { stills } = await ok(galleryOf(caseId, mentor));
    const byId = new Map(stills.map((s) => [s.still.id, s]));
    expect(byId.get(captured.id)).toMatchObject({
      atMs: 4321,
      exam: { id: captured.examId, status: 'running' },
      view: { key: efast.views[0]!.key, name: efast.views[0]!.name },
    });
    expect(byId.get(frozen.id)).toMatchObject({ atMs: frozen.atMs, exam: null, view: null });
    expect(stills.map((s) => s.atMs)).toEqual([...stills.map((s) => s.atMs)].sort((a, b) => a - b));
  });

  it('leaves out stills taken while no recording ran', async () => {
    await api.db.update(recordings).set({ status: 'stopped' }).where(eq(recordings.id, recordingId));
    const after = await ok(freeze(sectorPng(64, 48, 5)));
    expect(after.recordingId).toBeNull();
    const caseId = await finishAsCase([]);
    expect((await ok(galleryOf(caseId, mentor))).stills).toEqual([]);
  });

  it('shows the gallery and its images to whoever sees the case: outsiders once it is published, and then only its own stills', async () => {
    const inCase = await ok(freeze(sectorPng(64, 48, 6)));
    await api.db.update(recordings).set({ status: 'stopped' }).where(eq(recordings.id, recordingId));
    const outOfCase = await ok(freeze(sectorPng(64, 48, 7)));
    const caseId = await finishAsCase([]);
    await refused(galleryOf(caseId, outsider), 404);
    await refused(imageOf(inCase.id, outsider), 404);
    await ok(api.client(mentor.cookie).cases[':id'].$patch({ param: { id: caseId }, json: { published: true } }));
    expect((await ok(galleryOf(caseId, outsider))).stills.map((s) => s.still.id)).toEqual([inCase.id]);
    expect((await imageOf(inCase.id, outsider)).status).toBe(200);
    await refused(imageOf(outOfCase.id, outsider), 404);
  });
});
