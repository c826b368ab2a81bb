import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GlobalRole, SessionRole } from '@loupe/protocol';
import { createTestApi, ok, type TestAccount, type TestApi } from '../../test/fixture.ts';
import { auditLog, cases, liveSessions, recordings, sessionMembers, users } from '../db/schema.ts';

let api: TestApi;
let admin: TestAccount;

beforeEach(async () => {
  api = await createTestApi();
  admin = await api.account('admin', 'The admin');
});
afterEach(() => api.close());

const addSite = (name: string, o: { kind?: 'hospital' | 'department' | 'region' | 'centre'; parentId?: string; dicomwebUrl?: string } = {}) =>
  ok(api.client(admin.cookie).sites.$post({ json: { name, kind: o.kind ?? 'hospital', parentId: o.parentId ?? null, dicomwebUrl: o.dicomwebUrl ?? null } }));

const errorOf = async (res: Promise<Response>) => {
  const answer = await res;
  return { status: answer.status, ...((await answer.json()) as { error: { code: string; reason?: string } }).error };
};

describe('sites', () => {
  it('an admin adds and edits sites; everyone signed in lists them, the PACS address only for admins', async () => {
    const region = await addSite('Hunan province', { kind: 'region' });
    const hospital = await addSite('Hengshan County People’s Hospital', { parentId: region.id, dicomwebUrl: 'http://pacs.hengshan.test:8042/dicom-web' });
    const edited = await ok(api.client(admin.cookie).sites[':id'].$patch({ param: { id: hospital.id }, json: { name: 'Hengshan County Hospital' } }));
    expect(edited).toEqual({ ...hospital, name: 'Hengshan County Hospital' });

    const trainee = await api.account('trainee');
    const seen = await ok(api.client(trainee.cookie).sites.$get());
    expect(seen.sites).toEqual([
      { ...edited, dicomwebUrl: null },
      { ...region, dicomwebUrl: null },
    ]);
    const asAdmin = await ok(api.client(admin.cookie).sites.$get());
    expect(asAdmin.sites.find((s) => s.id === hospital.id)?.dicomwebUrl).toBe('http://pacs.hengshan.test:8042/dicom-web');

    const entries = await api.db.select().from(auditLog).where(eq(auditLog.targetId, hospital.id));
    expect(entries.map((e) => [e.action, e.detail])).toEqual([
      ['site.created', expect.objectContaining({ name: 'Hengshan County People’s Hospital' })],
      ['site.updated', { name: { from: 'Hengshan County People’s Hospital', to: 'Hengshan County Hospital' } }],
    ]);
  });

  it('refuses a taken name, a missing parent, a cycle, a PACS address that is not http(s), and non-admins', async () => {
    const region = await addSite('Region');
    const hospital = await addSite('Hospital', { parentId: region.id });
    const ward = await addSite('Ward', { kind: 'department', parentId: hospital.id });
    const client = api.client(admin.cookie);
    const body = { kind: 'hospital' as const, parentId: null, dicomwebUrl: null };

    expect(await errorOf(client.sites.$post({ json: { ...body, name: 'Hospital' } }))).toMatchObject({ status: 409, reason: 'site_name_taken' });
    expect(await errorOf(client.sites[':id'].$patch({ param: { id: ward.id }, json: { name: 'Region' } }))).toMatchObject({
      status: 409,
      reason: 'site_name_taken',
    });
    expect(await errorOf(client.sites.$post({ json: { ...body, name: 'Orphan', parentId: crypto.randomUUID() } }))).toMatchObject({ status: 400 });
    expect(await errorOf(client.sites[':id'].$patch({ param: { id: region.id }, json: { parentId: ward.id } }))).toMatchObject({
      status: 409,
      reason: 'site_cycle',
    });
    expect(await errorOf(client.sites[':id'].$patch({ param: { id: region.id }, json: { parentId: region.id } }))).toMatchObject({
      status: 409,
      reason: 'site_cycle',
    });
    expect(await errorOf(client.sites.$post({ json: { ...body, name: 'PACS', dicomwebUrl: 'ftp://pacs.test/' } }))).toMatchObject({ status: 400 });
    expect(await errorOf(client.sites[':id'].$patch({ param: { id: crypto.randomUUID() }, json: { name: 'Ghost' } }))).toMatchObject({ status: 404 });

    const metadata = await errorOf(client.sites.$post({ json: { ...body, name: 'Cloud', dicomwebUrl: 'http://169.254.169.254/latest/meta-data/' } }));
    expect(metadata).toMatchObject({ status: 400, message: expect.stringMatching(/link-local or cloud metadata/) });
    expect(await errorOf(client.sites[':id'].$patch({ param: { id: ward.id }, json: { dicomwebUrl: 'http://[fe80::1]:8042/dicom-web' } }))).toMatchObject({
      status: 400,
    });

    const mentor = await api.account('mentor');
    expect(await errorOf(api.client(mentor.cookie).sites.$post({ json: { ...body, name: 'Mine' } }))).toMatchObject({ status: 403 });
    expect(await errorOf(api.client(mentor.cookie).sites[':id'].$patch({ param: { id: ward.id }, json: { name: 'Mine' } }))).toMatchObject({ status: 403 });
    expect((await ok(client.sites.$get())).sites.map((s) => s.name)).toEqual(['Hospital', 'Region', 'Ward']);
  });
});

describe('one name, two admins at once', () => {
  it('adds the site once and tells the other the name is taken (409), not a server error', async () => {
    const body = { name: 'Xiangtan Central Hospital', kind: 'hospital' as const, parentId: null, dicomwebUrl: null };
    // Each request checks the name before the other inserts, then both insert: the database decides.
    const answers = await Promise.all(Array.from({ length: 4 }, () => api.client(admin.cookie).sites.$post({ json: body })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
    for (const refused of answers.filter((a) => a.status === 409)) expect(await errorOf(Promise.resolve(refused))).toMatchObject({ reason: 'site_name_taken' });
    expect((await ok(api.client(admin.cookie).sites.$get())).sites.filter((s) => s.name === body.name)).toHaveLength(1);
  });
});

describe('an ultrasound session', () => {
  it('needs the site that scans and the centre that reviews', async () => {
    const hospital = await addSite('Hengshan County People’s Hospital');
    const centre = await addSite('Hunan ultrasound QC centre', { kind: 'centre' });
    const scan = {
      title: 'Thyroid',
      procedure: 'Thyroid ultrasound',
      specialty: 'Ultrasound',
      scheduledAt: '2026-12-01T08:00:00Z',
      kind: 'ultrasound' as const,
    };
    const sessions = api.client(admin.cookie).sessions;
    const none = await errorOf(sessions.$post({ json: scan }));
    expect(none).toMatchObject({ status: 400, message: expect.stringMatching(/site that scans/) });
    expect(await errorOf(sessions.$post({ json: { ...scan, siteId: hospital.id } }))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/centre that reviews/),
    });
    expect(await errorOf(sessions.$post({ json: { ...scan, reviewSiteId: centre.id } }))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/site that scans/),
    });
    expect(await ok(sessions.$post({ json: { ...scan, siteId: hospital.id, reviewSiteId: centre.id } }), 201)).toMatchObject({
      siteId: hospital.id,
      reviewSiteId: centre.id,
    });
    // A surgical session needs neither.
    await ok(sessions.$post({ json: { ...scan, kind: 'surgery' } }), 201);
  });
});

describe('people in sites', () => {
  it('an account is created in a site, an admin moves it to another, and the move is audited', async () => {
    const a = await addSite('Hospital A');
    const b = await addSite('Hospital B');
    const client = api.client(admin.cookie);
    const person = { email: 'sonographer@hospital.test', name: 'Sonographer', password: 'a long enough passphrase', role: 'surgeon' as const };
    const made = await ok(client.users.$post({ json: { ...person, siteId: a.id } }));
    expect(made.siteId).toBe(a.id);
    expect(await errorOf(client.users.$post({ json: { ...person, email: 'other@hospital.test', siteId: crypto.randomUUID() } }))).toMatchObject({
      status: 400,
    });

    const moved = await ok(client.users[':id'].$patch({ param: { id: made.id }, json: { siteId: b.id } }));
    expect(moved).toEqual({ ...made, siteId: b.id });
    expect((await ok(client.users.$get())).users.find((u) => u.id === made.id)?.siteId).toBe(b.id);
    expect(await errorOf(client.users[':id'].$patch({ param: { id: made.id }, json: { siteId: crypto.randomUUID() } }))).toMatchObject({ status: 400 });
    expect(await errorOf(client.users[':id'].$patch({ param: { id: crypto.randomUUID() }, json: { siteId: null } }))).toMatchObject({ status: 404 });

    const entries = await api.db.select().from(auditLog).where(eq(auditLog.action, 'user.site_changed'));
    expect(entries.map((e) => [e.targetId, e.detail])).toEqual([[made.id, { from: a.id, to: b.id }]]);
  });

  it('the signed-in person learns their site, and a move applies to their next request', async () => {
    const a = await addSite('Hospital A');
    const nurse = await api.account('trainee');
    expect((await ok(api.client(nurse.cookie).auth.me.$get())).siteId).toBeNull();
    await ok(api.client(admin.cookie).users[':id'].$patch({ param: { id: nurse.user.id }, json: { siteId: a.id } }));
    expect((await ok(api.client(nurse.cookie).auth.me.$get())).siteId).toBe(a.id);
  });
});

/** A person of a site, signed in. */
async function personAt(siteId: string | null, role: GlobalRole = 'mentor') {
  const person = await api.account(role);
  await api.db.update(users).set({ siteId }).where(eq(users.id, person.user.id));
  return { ...person, user: { ...person.user, siteId } };
}

/** A finished ultrasound session scanned at `siteId`, with one ready case (video on disk), and its members. */
async function scannedCase(siteId: string | null, members: [TestAccount, SessionRole][], published = false) {
  const sessionId = crypto.randomUUID();
  const creator = members[0]![0].user.id;
  const at = new Date(Date.UTC(2026, 11, 1, 8));
  await api.db.insert(liveSessions).values({
    id: sessionId,
    title: 'Thyroid scan',
    procedure: 'Thyroid ultrasound',
    specialty: 'Ultrasound',
    kind: 'ultrasound',
    siteId,
    scheduledAt: at,
    status: 'ended',
    createdBy: creator,
  });
  await api.db.insert(sessionMembers).values(members.map(([p, role]) => ({ sessionId, userId: p.user.id, role, invitedBy: creator })));
  const recordingId = crypto.randomUUID();
  await api.db.insert(recordings).values({
    id: recordingId,
    sessionId,
    status: 'ready',
    consentBy: creator,
    consentAt: at,
    consentOnFile: true,
    noIdentifiersInView: true,
    startedAt: at,
  });
  const caseId = crypto.randomUUID();
  await api.db.insert(cases).values({
    id: caseId,
    sessionId,
    recordingId,
    status: 'ready',
    title: 'Thyroid nodule, TI-RADS 4',
    procedure: 'Thyroid ultrasound',
    specialty: 'Ultrasound',
    published,
    recordedAt: at,
    retainUntil: new Date(Date.UTC(2036, 11, 1)),
  });
  const dir = join(api.config.mediaDir, 'recordings', recordingId);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'case.mp4'), Buffer.alloc(1000, 7));
  return { sessionId, caseId };
}

/** What `who` gets of the case: in the library, its page, its video. */
async function reach(who: TestAccount, caseId: string) {
  const client = api.client(who.cookie);
  const list = await ok(client.cases.$get({ query: {} }));
  const page = await client.cases[':id'].$get({ param: { id: caseId } });
  const video = await client.cases[':id'].media[':file'].$get({ param: { id: caseId, file: 'case.mp4' } });
  await video.arrayBuffer();
  return { listed: list.cases.some((c) => c.id === caseId), page: page.status, video: video.status };
}

const seen = { listed: true, page: 200, video: 200 };
const unseen = { listed: false, page: 404, video: 404 };

describe('a site’s patient images', () => {
  let siteA: string;
  let siteB: string;
  beforeEach(async () => {
    siteA = (await addSite('Site A')).id;
    siteB = (await addSite('Site B', { kind: 'centre' })).id;
  });

  it('someone of another site, admins of another site included, sees no unpublished case; once it is published they do', async () => {
    const sonographer = await personAt(siteA, 'surgeon');
    const { caseId } = await scannedCase(siteA, [[sonographer, 'host']]);
    const atB = await personAt(siteB);
    const adminAtB = await personAt(siteB, 'admin');
    expect(await reach(atB, caseId)).toEqual(unseen);
    expect(await reach(adminAtB, caseId)).toEqual(unseen);

    await api.db.update(cases).set({ published: true }).where(eq(cases.id, caseId));
    expect(await reach(atB, caseId)).toEqual(seen);
    expect(await reach(adminAtB, caseId)).toEqual(seen);
    // Published is for watching: another site's admin does not edit it.
    const page = await ok(api.client(adminAtB.cookie).cases[':id'].$get({ param: { id: caseId } }));
    expect(page.canEdit).toBe(false);
    expect((await api.client(adminAtB.cookie).cases[':id'].$delete({ param: { id: caseId } })).status).toBe(403);
  });

  it('a member from another site (the reviewing centre) sees it; a colleague of the same site who is not a member does not', async () => {
    const sonographer = await personAt(siteA, 'surgeon');
    const reviewer = await personAt(siteB);
    const colleague = await personAt(siteA);
    const { caseId } = await scannedCase(siteA, [
      [sonographer, 'host'],
      [reviewer, 'mentor'],
    ]);
    expect(await reach(sonographer, caseId)).toEqual(seen);
    expect(await reach(reviewer, caseId)).toEqual(seen);
    expect(await reach(colleague, caseId)).toEqual(unseen);
  });

  it('the site’s own admin and an admin of no site see and edit it', async () => {
    const sonographer = await personAt(siteA, 'surgeon');
    const { caseId } = await scannedCase(siteA, [[sonographer, 'host']]);
    for (const who of [await personAt(siteA, 'admin'), admin]) {
      expect(await reach(who, caseId)).toEqual(seen);
      expect((await ok(api.client(who.cookie).cases[':id'].$get({ param: { id: caseId } }))).canEdit).toBe(true);
    }
  });
});

describe('filters by site', () => {
  it('the library lists the cases scanned at a site', async () => {
    const a = (await addSite('Site A')).id;
    const b = (await addSite('Site B')).id;
    const fromA = await scannedCase(a, [[admin, 'host']]);
    const fromB = await scannedCase(b, [[admin, 'host']]);
    const ids = async (site?: string) => (await ok(api.client(admin.cookie).cases.$get({ query: site ? { site } : {} }))).cases.map((c) => c.id).sort();
    expect(await ids(a)).toEqual([fromA.caseId]);
    expect(await ids(b)).toEqual([fromB.caseId]);
    expect(await ids()).toEqual([fromA.caseId, fromB.caseId].sort());
  });

  it('the audit log shows the entries of a site’s sessions (scanning or reviewing), by or about its people, and about the site', async () => {
    const a = (await addSite('Site A')).id;
    const b = (await addSite('Site B', { kind: 'centre' })).id;
    const c = (await addSite('Site C')).id;
    const ofA = await personAt(a, 'surgeon');
    const ofC = await personAt(c, 'surgeon');
    const movedToA = await personAt(null, 'trainee');
    await ok(api.client(admin.cookie).users[':id'].$patch({ param: { id: movedToA.user.id }, json: { siteId: a } }));
    const client = (who: TestAccount) => api.client(who.cookie);
    const scheduled = { procedure: 'Thyroid ultrasound', specialty: 'Ultrasound', scheduledAt: '2026-12-01T08:00:00Z', kind: 'ultrasound' as const };
    const shared = await ok(client(ofC).sessions.$post({ json: { ...scheduled, title: 'C scans, B reviews', siteId: c, reviewSiteId: b } }));
    await ok(client(ofC).sessions[':id'].start.$post({ param: { id: shared.id } }));
    await ok(client(ofA).sessions.$post({ json: { ...scheduled, title: 'A alone', siteId: a, reviewSiteId: a } }));
    const alone = (await ok(client(ofA).sessions.$get())).sessions[0]!;
    await ok(client(ofA).sessions[':id'].start.$post({ param: { id: alone.id } }));

    const entries = async (site: string) =>
      (await ok(client(admin).audit.$get({ query: { site, pageSize: '200' } }))).entries.map((e) =>
        `${e.action} ${e.sessionTitle ?? e.targetLabel ?? ''}`.trim(),
      );
    expect(await entries(b)).toEqual(['session.started C scans, B reviews', 'site.created']);
    // A's people signing in and being moved there, the start of A's session; C's session is not A's.
    expect(await entries(a)).toEqual([
      'session.started A alone',
      `user.site_changed ${movedToA.user.name}`,
      `auth.sign_in ${movedToA.user.name}`,
      `auth.sign_in ${ofA.user.name}`,
      'site.created',
    ]);
  });
});
