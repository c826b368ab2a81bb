/**
 * Who may call what: every route of the api × every kind of caller, with the exact status.
 *
 * Callers: an admin (in no session), the session's host, mentor, theatre and observer, an
 * outsider (a mentor of the hospital who is not in the session: Loupe has no departments, so
 * this is "another department's user"), someone signed out, and the recorder service with its
 * bearer token. The rules the table encodes:
 * - deny by default: signed out gets 401 everywhere but sign-in/up/out, /health and
 *   /openapi.json; /internal needs the recorder's token and /webhooks LiveKit's signature;
 * - a session, recording or case the caller may not see is a 404, the same as one that does
 *   not exist (nothing tells an outsider it is there); a caller who may see it but not do
 *   this gets a 403;
 * - the route list comes from the app itself, so a new route without a row fails this test.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_PROTOCOLS, DEFAULT_VITALS_LIMITS, stillFile, type GlobalRole, type SessionRole, type StartRecordingBody } from '@loupe/protocol';
import { TEST_RECORDER_TOKEN, createTestApi, json, ok, postJson, sessionCookie, type TestAccount, type TestApi } from '../test/fixture.ts';
import { cases, exams, liveSessions, recordings, referenceImages, scanProtocols, sessionMembers, sites, stills } from './db/schema.ts';
import { contentDigest, sectorPng } from '../test/stills.ts';

const ACTORS = ['admin', 'host', 'mentor', 'theatre', 'observer', 'outsider', 'signedOut', 'recorder'] as const;
type Actor = (typeof ACTORS)[number];
type Statuses = [admin: number, host: number, mentor: number, theatre: number, observer: number, outsider: number, signedOut: number, recorder: number];

/** The world each request meets: fresh for every cell, so one caller's change never leaks into the next. */
type World = {
  sessionId: string;
  privateCase: string;
  publishedCase: string;
  activeRecording: string;
  observerId: string;
  examId: string;
  stillId: string;
  publishedStillId: string;
};
type ActiveRecording = 'none' | 'recording' | 'paused' | 'stopped';

type Row = {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** As in the OpenAPI document. */
  path: string;
  statuses: Statuses;
  /** The concrete URL when not the path with the world's ids put in. */
  url?: (w: World) => string;
  body?: (w: World, actor: Actor) => unknown;
  /** A body that is not JSON (a still's PNG), sent with its own headers. */
  raw?: () => { body: Uint8Array; headers: Record<string, string> };
  headers?: Record<string, string>;
  /** The session's latest recording before the request (default: one recording). */
  recording?: ActiveRecording;
  /** Sign the caller in afresh for this request: the route ends the session it is called with. */
  freshCookie?: boolean;
  label?: string;
};

let unique = 0;
const newPassword = 'a long enough passphrase';
const newAccount = () => ({ email: `new${++unique}@hospital.test`, name: `New person ${unique}`, password: newPassword });
const consent: StartRecordingBody = { consentOnFile: true, noIdentifiersInView: true };
const mediaRange = { range: 'bytes=0-99' };

// prettier-ignore
const ROWS: Row[] = [
  //                                                                         admin host mentor theatre observer outsider out  recorder
  { method: 'POST', path: '/auth/sign-in', freshCookie: true, body: (_, a) => credentials(a), statuses: [200, 200, 200, 200, 200, 200, 200, 200] },
  { method: 'POST', path: '/auth/sign-up', body: () => newAccount(),                          statuses: [403, 403, 403, 403, 403, 403, 403, 403] },
  { method: 'POST', path: '/auth/sign-out', freshCookie: true,                                statuses: [204, 204, 204, 204, 204, 204, 204, 204] },
  { method: 'GET', path: '/auth/me',                                                          statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'POST', path: '/users', body: () => ({ ...newAccount(), role: 'trainee' }),       statuses: [201, 403, 403, 403, 403, 403, 401, 401] },
  { method: 'GET', path: '/users',                                                            statuses: [200, 403, 403, 403, 403, 403, 401, 401] },
  { method: 'GET', path: '/sessions',                                                         statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'POST', path: '/sessions', body: () => newSession,                                statuses: [201, 201, 201, 201, 403, 201, 401, 401] },
  { method: 'GET', path: '/sessions/{id}',                                                    statuses: [200, 200, 200, 200, 200, 404, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/members', body: () => ({ email: spare.user.email, role: 'observer' }),
                                                                                              statuses: [200, 200, 403, 403, 403, 404, 401, 401] },
  { method: 'DELETE', path: '/sessions/{id}/members/{userId}',                                statuses: [200, 200, 403, 403, 403, 404, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/start',                                             statuses: [200, 200, 403, 403, 403, 404, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/end',                                               statuses: [200, 200, 403, 403, 403, 404, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/token',                                             statuses: [403, 200, 200, 200, 200, 404, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/overlay-request', body: (_, a) => ({ identity: people.get(a)?.user.id ?? 'nobody' }),
                                                                                              statuses: [403, 202, 202, 202, 202, 404, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/recording', recording: 'none', body: () => consent, statuses: [201, 201, 403, 201, 403, 404, 401, 401] },
  { method: 'GET', path: '/sessions/{id}/recording',                                          statuses: [200, 200, 200, 200, 200, 404, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/recording/pause',                                   statuses: [200, 200, 403, 200, 403, 404, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/recording/resume', recording: 'paused',             statuses: [200, 200, 403, 200, 403, 404, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/recording/stop',                                    statuses: [200, 200, 403, 200, 403, 404, 401, 401] },
  { method: 'GET', path: '/cases',                                                            statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'GET', path: '/cases/{id}',                                                       statuses: [200, 200, 200, 200, 200, 404, 401, 401] },
  { method: 'GET', path: '/cases/{id}', label: 'published case', url: (w) => `/cases/${w.publishedCase}`,
                                                                                              statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'PATCH', path: '/cases/{id}', body: () => ({ tags: ['matrix'] }),                 statuses: [200, 200, 200, 403, 403, 404, 401, 401] },
  { method: 'DELETE', path: '/cases/{id}',                                                    statuses: [204, 204, 204, 403, 403, 404, 401, 401] },
  { method: 'GET', path: '/cases/{id}/media/{file}', headers: mediaRange,                     statuses: [206, 206, 206, 206, 206, 404, 401, 401] },
  { method: 'GET', path: '/cases/{id}/media/{file}', label: 'annotation track', url: (w) => `/cases/${w.privateCase}/media/annotations.json`,
                                                                                              statuses: [200, 200, 200, 200, 200, 404, 401, 401] },
  { method: 'GET', path: '/cases/{id}/media/{file}', label: 'published case', url: (w) => `/cases/${w.publishedCase}/media/case.mp4`,
    headers: mediaRange,                                                                      statuses: [206, 206, 206, 206, 206, 206, 401, 401] },
  { method: 'GET', path: '/cases/{id}/stills',                                                statuses: [200, 200, 200, 200, 200, 404, 401, 401] },
  { method: 'GET', path: '/cases/{id}/stills', label: 'published case', url: (w) => `/cases/${w.publishedCase}/stills`,
                                                                                              statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'GET', path: '/protocols',                                                        statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'GET', path: '/protocols/{key}', url: () => '/protocols/efast',                   statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'POST', path: '/protocols', body: () => newProtocol(),                            statuses: [201, 403, 403, 403, 403, 403, 401, 401] },
  { method: 'POST', path: '/protocols/{key}/versions', url: () => '/protocols/efast/versions', body: () => ({ ...newProtocol(), key: 'efast' }),
                                                                                              statuses: [201, 403, 403, 403, 403, 403, 401, 401] },
  // Version 1 of a built-in protocol never changes: the admin is refused for the state, the others for their role.
  { method: 'PUT', path: '/protocols/{key}/{version}', url: () => '/protocols/efast/1', body: () => ({ ...newProtocol(), key: 'efast' }),
                                                                                              statuses: [409, 403, 403, 403, 403, 403, 401, 401] },
  // A view's reference image: uploaded by QC leads and admins, seen by everyone signed in, like the protocol.
  { method: 'POST', path: '/protocols/images', raw: () => referenceBody,                     statuses: [201, 403, 403, 403, 403, 403, 401, 401] },
  { method: 'GET', path: '/protocols/{key}/{version}/views/{view}/reference', url: () => '/protocols/matrix_ref/1/views/one/reference',
                                                                                              statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/exams', body: () => ({ protocolKey: 'efast', patient: null }),
                                                                                              statuses: [201, 201, 201, 201, 403, 404, 401, 401] },
  { method: 'GET', path: '/sessions/{id}/exams',                                              statuses: [200, 200, 200, 200, 200, 404, 401, 401] },
  // Capturing and reviewing are the session's clinical roles: an admin's account does not stand in.
  { method: 'POST', path: '/exams/{id}/stills', url: (w) => `/exams/${w.examId}/stills?view=${efastViews[1]}`, raw: () => stillBody,
                                                                                              statuses: [403, 403, 403, 201, 403, 404, 401, 401] },
  // The world's exam has a still in its published case: its report is then everyone's (unpublished: exams/exams.test.ts).
  { method: 'GET', path: '/exams/{id}/report', url: (w) => `/exams/${w.examId}/report`,       statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'POST', path: '/exams/{id}/sign', url: (w) => `/exams/${w.examId}/sign`, body: () => ({ comment: '' }),
                                                                                              statuses: [403, 403, 200, 403, 403, 404, 401, 401] },
  { method: 'GET', path: '/stills/{id}/image', url: (w) => `/stills/${w.stillId}/image`,      statuses: [200, 200, 200, 200, 200, 404, 401, 401] },
  // A still of a published case is seen like the case: by everyone signed in.
  { method: 'GET', path: '/stills/{id}/image', label: 'published case', url: (w) => `/stills/${w.publishedStillId}/image`,
                                                                                              statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  // A mentor's freeze frame is the mentor's own act.
  { method: 'POST', path: '/sessions/{id}/freeze-stills', raw: () => stillBody,              statuses: [403, 403, 201, 403, 403, 404, 401, 401] },
  { method: 'POST', path: '/stills/{id}/verdict', url: (w) => `/stills/${w.stillId}/verdict`, body: () => ({ verdict: 'accepted', score: 4 }),
                                                                                              statuses: [403, 403, 200, 403, 403, 404, 401, 401] },
  { method: 'PUT', path: '/stills/{id}/drawings', url: (w) => `/stills/${w.stillId}/drawings`, body: () => ({ ops: [] }),
                                                                                              statuses: [403, 403, 200, 403, 403, 404, 401, 401] },
  { method: 'GET', path: '/audit',                                                            statuses: [200, 403, 403, 403, 403, 403, 401, 401] },
  { method: 'GET', path: '/audit/verify',                                                     statuses: [200, 403, 403, 403, 403, 403, 401, 401] },
  // Everyone signed in may ask; what each sees (their site, their sessions) is api/src/qc/stats.test.ts.
  { method: 'GET', path: '/qc/stats',                                                         statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'GET', path: '/qc/stats.csv',                                                     statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'GET', path: '/pacs/queue',                                                       statuses: [200, 403, 403, 403, 403, 403, 401, 401] },
  // A failed still re-queued by an admin, and the QC lead's view: pacs/routes.test.ts.
  { method: 'POST', path: '/pacs/stills/{id}/retry', label: 'no such still', url: () => `/pacs/stills/${crypto.randomUUID()}/retry`,
                                                                                              statuses: [404, 403, 403, 403, 403, 403, 401, 401] },
  { method: 'GET', path: '/sessions/{id}/vitals',                                             statuses: [200, 200, 200, 200, 200, 404, 401, 401] },
  { method: 'POST', path: '/sessions/{id}/vitals-source', body: () => ({ deviceId: `BED-${++unique}` }),
                                                                                              statuses: [200, 200, 200, 403, 403, 404, 401, 401] },
  { method: 'DELETE', path: '/sessions/{id}/vitals-source',                                   statuses: [200, 200, 200, 403, 403, 404, 401, 401] },
  { method: 'PUT', path: '/sessions/{id}/vitals-limits', body: () => DEFAULT_VITALS_LIMITS,    statuses: [200, 200, 200, 403, 403, 404, 401, 401] },
  // The patient's banner and prior imaging: members only, admins of no membership included (patient-banner, priors-orthanc tests).
  // The world's session has no PACS: a member gets the 409 that says so.
  { method: 'GET', path: '/sessions/{id}/patient',                                            statuses: [403, 200, 200, 200, 200, 404, 401, 401] },
  { method: 'GET', path: '/sessions/{id}/priors',                                             statuses: [403, 409, 409, 409, 409, 404, 401, 401] },
  { method: 'GET', path: '/sessions/{id}/priors/{study}/series', url: (w) => `/sessions/${w.sessionId}/priors/1.2.3/series`,
                                                                                              statuses: [403, 409, 409, 409, 409, 404, 401, 401] },
  { method: 'GET', path: '/sessions/{id}/priors/{study}/series/{series}/instances', url: (w) => `/sessions/${w.sessionId}/priors/1.2.3/series/1.2.4/instances`,
                                                                                              statuses: [403, 409, 409, 409, 409, 404, 401, 401] },
  { method: 'GET', path: '/sessions/{id}/priors/{study}/series/{series}/instances/{sop}/rendered',
    url: (w) => `/sessions/${w.sessionId}/priors/1.2.3/series/1.2.4/instances/1.2.5/rendered?window=lung`,
                                                                                              statuses: [403, 409, 409, 409, 409, 404, 401, 401] },
  { method: 'GET', path: '/sites',                                                            statuses: [200, 200, 200, 200, 200, 200, 401, 401] },
  { method: 'POST', path: '/sites', body: () => ({ name: `Site ${++unique}`, kind: 'hospital' }), statuses: [201, 403, 403, 403, 403, 403, 401, 401] },
  { method: 'PATCH', path: '/sites/{id}', url: () => `/sites/${siteId}`, body: () => ({ name: `Site ${++unique}` }),
                                                                                              statuses: [200, 403, 403, 403, 403, 403, 401, 401] },
  { method: 'PATCH', path: '/users/{id}', url: (w) => `/users/${w.observerId}`, body: () => ({ siteId }),
                                                                                              statuses: [200, 403, 403, 403, 403, 403, 401, 401] },
  { method: 'POST', path: '/internal/recordings/work', body: () => ({ worker: 'matrix-worker', slots: 1 }),
                                                                                              statuses: [401, 401, 401, 401, 401, 401, 401, 200] },
  { method: 'POST', path: '/internal/recordings/{id}/state', body: () => ({ capture: 'waiting', degraded: false }),
                                                                                              statuses: [401, 401, 401, 401, 401, 401, 401, 204] },
  { method: 'POST', path: '/internal/recordings/{id}/stop', body: () => ({ reason: 'no_picture' }),
                                                                                              statuses: [401, 401, 401, 401, 401, 401, 401, 204] },
  { method: 'POST', path: '/internal/recordings/{id}/finalising', recording: 'stopped',
                                                                                              statuses: [401, 401, 401, 401, 401, 401, 401, 204] },
  { method: 'POST', path: '/internal/recordings/{id}/outcome', body: () => ({ status: 'ready', durationMs: 1000, failure: null }), recording: 'stopped',
                                                                                              statuses: [401, 401, 401, 401, 401, 401, 401, 204] },
  // Unsigned: only LiveKit's signature opens it (signed deliveries: livekit/webhook.test.ts).
  { method: 'POST', path: '/webhooks/livekit', body: () => ({ event: 'room_started' }),       statuses: [401, 401, 401, 401, 401, 401, 401, 401] },
  { method: 'GET', path: '/health',                                                           statuses: [200, 200, 200, 200, 200, 200, 200, 200] },
  { method: 'GET', path: '/openapi.json',                                                     statuses: [200, 200, 200, 200, 200, 200, 200, 200] },
];

const efastViews = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!.views.map((v) => v.key);
const newProtocol = () => ({
  key: `matrix_${++unique}`,
  examType: 'other',
  name: { en: 'Matrix', zh: '矩阵' },
  source: 'this test',
  views: [{ key: 'one', name: { en: 'One', zh: '一' }, required: true, min: 1, max: 1, acceptance: { en: 'Anything', zh: '任意' } }],
});
const stillPng = sectorPng(64, 48);
const stillBody = { body: new Uint8Array(stillPng), headers: { 'content-type': 'image/png', 'content-digest': contentDigest(stillPng) } };

const referencePng = sectorPng(80, 60, 2);
const referenceBody = { body: new Uint8Array(referencePng), headers: { 'content-type': 'image/png' } };

const newSession = { title: 'Thyroidectomy', procedure: 'Thyroidectomy', specialty: 'Endocrine surgery', scheduledAt: '2026-12-01T08:00:00Z' };

let api: TestApi;
let spare: TestAccount;
/** A site to edit and to move people to. */
let siteId: string;
const people = new Map<Actor, TestAccount>();
const SESSION_ROLE: Partial<Record<Actor, SessionRole>> = { host: 'host', mentor: 'mentor', theatre: 'theatre', observer: 'observer' };
const GLOBAL_ROLE: Partial<Record<Actor, GlobalRole>> = {
  admin: 'admin',
  host: 'surgeon',
  mentor: 'mentor',
  theatre: 'surgeon',
  observer: 'trainee',
  outsider: 'mentor',
};

beforeAll(async () => {
  api = await createTestApi();
  for (const actor of ACTORS) {
    const role = GLOBAL_ROLE[actor];
    if (role) people.set(actor, await api.account(role, `The ${actor}`));
  }
  spare = await api.account('trainee', 'Spare trainee');
  siteId = crypto.randomUUID();
  await api.db.insert(sites).values({ id: siteId, name: 'Matrix hospital', kind: 'hospital' });
});
afterAll(() => api.close());

/** Who signs in on the sign-in row: each person as themselves, the others as the spare account. */
function credentials(actor: Actor) {
  const who = people.get(actor) ?? spare;
  return { email: who.user.email, password: who.password };
}

async function writeMedia(recordingId: string) {
  const dir = join(api.config.mediaDir, 'recordings', recordingId);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'case.mp4'), Buffer.alloc(1000, 7));
  await writeFile(join(dir, 'annotations.json'), '{"ops":[]}');
}

/**
 * A live session with its four members, two finished recordings (a private ready case and a
 * published one, each with media on disk) and, unless `active` is none, a newer recording.
 * Rows are written straight to the database: starting a real recording needs no livekit-server
 * here, but writing them is faster and sets any state in one step.
 */
async function resetWorld(active: ActiveRecording): Promise<World> {
  const { db } = api;
  await db.run(sql`DELETE FROM cases_fts`);
  await db.delete(liveSessions); // members, recordings, cases, exams and stills go with it
  await db.delete(scanProtocols).where(sql`not ${scanProtocols.builtIn}`);
  await db.delete(referenceImages);
  const referenceId = createHash('sha256').update(stillPng).digest('hex');
  await db.insert(referenceImages).values({ id: referenceId, type: 'image/png', width: 64, height: 48, data: stillPng });
  const referenced = newProtocol().views.map((v) => ({ ...v, referenceImage: referenceId }));
  await db.insert(scanProtocols).values({ ...newProtocol(), key: 'matrix_ref', version: 1, examType: 'other', views: referenced });
  const host = people.get('host')!.user.id;
  const sessionId = crypto.randomUUID();
  const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 8, minutes));
  await db.insert(liveSessions).values({ id: sessionId, ...newSession, scheduledAt: at(0), status: 'live', startedAt: at(0), createdBy: host });
  await db
    .insert(sessionMembers)
    .values(Object.entries(SESSION_ROLE).map(([actor, role]) => ({ sessionId, userId: people.get(actor as Actor)!.user.id, role, invitedBy: host })));
  const recording = (status: (typeof recordings.$inferInsert)['status'], minutes: number) => ({
    id: crypto.randomUUID(),
    sessionId,
    status,
    consentBy: host,
    consentAt: at(minutes),
    consentOnFile: true,
    noIdentifiersInView: true,
    startedAt: at(minutes),
  });
  const finished = [recording('ready', 1), recording('ready', 2)];
  const activeRow = recording(active === 'none' ? 'recording' : active, 3);
  await db.insert(recordings).values(active === 'none' ? finished : [...finished, activeRow]);
  const [privateCase, publishedCase] = finished.map((r, i) => ({
    id: crypto.randomUUID(),
    sessionId,
    recordingId: r.id,
    status: 'ready' as const,
    title: `Case ${i}`,
    procedure: newSession.procedure,
    specialty: newSession.specialty,
    published: i === 1,
    recordedAt: r.startedAt,
    retainUntil: new Date(Date.UTC(2036, 11, 1)),
  }));
  await db.insert(cases).values([privateCase!, publishedCase!]);
  for (const r of finished) await writeMedia(r.id);
  const examId = crypto.randomUUID();
  const stillId = crypto.randomUUID();
  await db
    .insert(exams)
    .values({ id: examId, sessionId, protocolKey: 'efast', protocolVersion: 1, studyUid: '2.25.1', seriesUid: '2.25.2', startedBy: host, startedAt: at(4) });
  const theatre = people.get('theatre')!.user.id;
  const still = {
    id: stillId,
    sessionId,
    examId,
    viewKey: efastViews[0],
    kind: 'capture' as const,
    width: 64,
    height: 48,
    bytes: stillPng.length,
  };
  const publishedStillId = crypto.randomUUID();
  await db.insert(stills).values([
    { ...still, sha256: 'x', capturedBy: theatre, capturedAt: at(5), sopInstanceUid: '2.25.3' },
    { ...still, id: publishedStillId, sha256: 'y', recordingId: finished[1]!.id, atMs: 1000, capturedBy: theatre, capturedAt: at(2), sopInstanceUid: '2.25.4' },
  ]);
  await mkdir(join(api.config.mediaDir, 'stills'), { recursive: true });
  for (const id of [stillId, publishedStillId]) await writeFile(join(api.config.mediaDir, stillFile(id)), stillPng);
  return {
    examId,
    stillId,
    publishedStillId,
    sessionId,
    privateCase: privateCase!.id,
    publishedCase: publishedCase!.id,
    activeRecording: activeRow.id,
    observerId: people.get('observer')!.user.id,
  };
}

function urlOf(row: Row, w: World): string {
  if (row.url) return row.url(w);
  const id = row.path.startsWith('/cases') ? w.privateCase : row.path.startsWith('/internal') ? w.activeRecording : w.sessionId;
  return row.path.replace('{id}', id).replace('{userId}', w.observerId).replace('{file}', 'case.mp4');
}

async function freshCookie(actor: Actor): Promise<string | undefined> {
  if (!people.has(actor)) return undefined;
  return sessionCookie(await api.client().auth['sign-in'].$post({ json: credentials(actor) }));
}

/** Raw, not the typed client: the table is the route list itself, as the OpenAPI document names it. */
async function call(row: Row, actor: Actor): Promise<number> {
  const world = await resetWorld(row.recording ?? 'recording');
  const cookie = row.freshCookie ? await freshCookie(actor) : people.get(actor)?.cookie;
  const headers: Record<string, string> = { ...row.headers };
  if (cookie) headers.cookie = cookie;
  if (actor === 'recorder') headers.authorization = `Bearer ${TEST_RECORDER_TOKEN}`;
  const value = row.body?.(world, actor);
  const raw = row.raw?.();
  if (value !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, raw?.headers);
  const body = raw ? raw.body : value === undefined ? undefined : JSON.stringify(value);
  const res = await api.app.request(urlOf(row, world), { method: row.method, headers, ...(body === undefined ? {} : { body }) });
  await res.arrayBuffer();
  return res.status;
}

const keyOf = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

describe('the authorization matrix', () => {
  it('has a row for every route the app serves, documented or not, and none for a route that is gone', async () => {
    // Raw: /openapi.json is served by OpenAPIHono's doc31, outside the chain AppType describes.
    const doc = await json(await api.app.request('/openapi.json'));
    const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((method) => keyOf(method, path)));
    const served = api.app.routes.filter((r) => r.method !== 'ALL').map((r) => keyOf(r.method, r.path.replace(/:(\w+)/g, '{$1}')));
    expect(new Set(ROWS.map((r) => keyOf(r.method, r.path)))).toEqual(new Set([...documented, ...served]));
  });

  it.each(ROWS.map((row) => [`${keyOf(row.method, row.path)}${row.label ? ` (${row.label})` : ''}`, row] as const))('%s', async (_, row) => {
    const got: Partial<Record<Actor, number>> = {};
    for (const actor of ACTORS) got[actor] = await call(row, actor);
    expect(got).toEqual(Object.fromEntries(ACTORS.map((actor, i) => [actor, row.statuses[i]])));
  });
});

describe('what an outsider can learn', () => {
  it('a session, recording or case they may not see answers exactly as one that does not exist', async () => {
    const world = await resetWorld('recording');
    const outsider = api.client(people.get('outsider')!.cookie);
    const answer = async (request: Promise<{ status: number; text(): Promise<string> }>) => {
      const res = await request;
      return { status: res.status, body: await res.text() };
    };
    const session = outsider.sessions[':id'];
    for (const ask of [
      (id: string) => session.$get({ param: { id } }),
      (id: string) => session.token.$post({ param: { id }, query: {} }),
      (id: string) => session.recording.$get({ param: { id } }),
      (id: string) => session.end.$post({ param: { id } }),
    ]) {
      expect(await answer(ask(world.sessionId))).toEqual(await answer(ask(crypto.randomUUID())));
    }
    for (const ask of [
      (id: string) => outsider.cases[':id'].$get({ param: { id } }),
      (id: string) => outsider.cases[':id'].media[':file'].$get({ param: { id, file: 'case.mp4' } }),
    ]) {
      expect(await answer(ask(world.privateCase))).toEqual(await answer(ask(crypto.randomUUID())));
    }
  });

  it('signed out, nothing is validated or looked up first: a bad id, a bad body or an unknown path is a 401', async () => {
    expect((await api.client().sessions[':id'].$get({ param: { id: '42' } })).status).toBe(401);
    // Raw: a body and a path the typed client will not send.
    for (const [url, init] of [
      ['/sessions', postJson({ title: '' })],
      ['/nowhere', {}],
    ] as const) {
      expect((await api.app.request(url, init)).status, url).toBe(401);
    }
  });

  it('lists show the session and the private case only to those who may open them', async () => {
    const world = await resetWorld('none');
    for (const actor of ['admin', 'host', 'mentor', 'theatre', 'observer', 'outsider'] as const) {
      const as = api.client(people.get(actor)!.cookie);
      const sessions = await ok(as.sessions.$get());
      const library = await ok(as.cases.$get({ query: {} }));
      const sees = {
        session: sessions.sessions.some((s) => s.id === world.sessionId),
        privateCase: library.cases.some((c) => c.id === world.privateCase),
        publishedCase: library.cases.some((c) => c.id === world.publishedCase),
      };
      const member = actor !== 'outsider';
      expect(sees, actor).toEqual({ session: member, privateCase: member, publishedCase: true });
    }
  });
});

describe('ids in URLs', () => {
  // crypto.randomUUID: version 4, 122 bits from the system's CSPRNG.
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('are random v4 UUIDs for users, sessions, recordings and cases, and the session cookie carries 256 random bits', async () => {
    const admin = api.client(people.get('admin')!.cookie);
    const ids: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      const user = await ok(admin.users.$post({ json: { ...newAccount(), role: 'surgeon' } }));
      const session = await ok(admin.sessions.$post({ json: newSession }));
      const param = { param: { id: session.id } };
      await ok(admin.sessions[':id'].start.$post(param));
      const recording = await ok(admin.sessions[':id'].recording.$post({ ...param, json: consent }));
      await ok(admin.sessions[':id'].recording.stop.$post(param));
      const library = await ok(admin.cases.$get({ query: {} }));
      const made = library.cases.find((c) => c.sessionId === session.id);
      ids.push(user.id, session.id, recording.id, made?.id);
    }
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
    const cookie = sessionCookie(await api.client().auth['sign-in'].$post({ json: credentials('observer') }));
    expect(cookie).toMatch(/^loupe_session=[A-Za-z0-9_-]{43}$/);
  });
});
