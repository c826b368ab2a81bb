import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog } from '../db/schema.ts';
import { RECORDER_LEASE_HEADER, recorderLeaseHeader, type LiveSession, type RecorderState, type SessionRole, type StartRecordingBody } from '@loupe/protocol';
import { TEST_RECORDER_TOKEN, createTestApi, ok, postJson, refused, type TestAccount, type TestApi } from '../../test/fixture.ts';

let api: TestApi;
let host: TestAccount;
let session: LiveSession;
const consent: StartRecordingBody = { consentOnFile: true, noIdentifiersInView: true };

beforeEach(async () => {
  api = await createTestApi();
  host = await api.account('surgeon', 'Dr. Host');
  const whipple = { title: 'Whipple', procedure: 'Pancreaticoduodenectomy', specialty: 'HPB', scheduledAt: '2026-12-01T08:00:00Z' };
  session = await ok(api.client(host.cookie).sessions.$post({ json: whipple }));
  await ok(api.client(host.cookie).sessions[':id'].start.$post({ param: { id: session.id } }));
});
afterEach(() => api.close());

/** This session's routes, as the holder of `cookie`. */
const sessionAs = (cookie: string) => api.client(cookie).sessions[':id'];
const here = () => ({ param: { id: session.id } });
const start = (cookie: string) => sessionAs(cookie).recording.$post({ ...here(), json: consent });
const current = () => ok(sessionAs(host.cookie).recording.$get(here()));
const cases = async () => (await ok(api.client(host.cookie).cases.$get({ query: {} }))).cases;

async function member(role: SessionRole) {
  const person = await api.account(role === 'observer' ? 'trainee' : role === 'theatre' ? 'surgeon' : 'mentor');
  await ok(sessionAs(host.cookie).members.$post({ ...here(), json: { email: person.user.email, role } }));
  return person;
}

/** The recorder's internal routes, with its token (and, for a worker's reports, its lease). */
const recorder = (lease?: { worker: string; epoch: number }) =>
  api.client({
    authorization: `Bearer ${TEST_RECORDER_TOKEN}`,
    ...(lease ? { [RECORDER_LEASE_HEADER]: recorderLeaseHeader(lease.worker, lease.epoch) } : {}),
  }).internal.recordings;
/** A worker's poll: what it holds after renewing and taking work. */
const poll = async (worker = 'worker-a', slots = 4) => (await ok(recorder().work.$post({ json: { worker, slots } }))).recordings;
const capturing: RecorderState = { capture: 'capturing', degraded: false };

describe('recording controls', () => {
  it('theatre starts a recording only with both confirmations, stored with who and when; the room shows REC', async () => {
    const theatre = await member('theatre');
    // Without the second confirmation: a body the typed client will not send.
    const incomplete = await refused(api.app.request(`/sessions/${session.id}/recording`, postJson({ consentOnFile: true }, theatre.cookie)), 400);
    expect(incomplete.error.message).toMatch(/identifiers/);
    const recording = await ok(start(theatre.cookie), 201);
    expect(recording).toMatchObject({ status: 'recording', consentBy: theatre.user.id, sessionId: session.id });
    expect(Math.abs(Date.parse(recording.consentAt) - Date.now())).toBeLessThan(5000);
    expect(api.roomCalls).toContainEqual({ action: 'recording', room: session.id, state: 'starting' });
    expect((await start(theatre.cookie)).status).toBe(409);
  });

  it('ending the session stops a recording still running, which becomes a case', async () => {
    await ok(start(host.cookie));
    expect((await sessionAs(host.cookie).end.$post(here())).status).toBe(200);
    expect((await current()).status).toBe('stopped');
    expect(api.roomCalls).toContainEqual({ action: 'recording', room: session.id, state: 'off' });
    expect((await cases()).map((c) => c.sessionId)).toContain(session.id);
  });

  it('mentors and observers cannot start, pause or stop a recording', async () => {
    for (const role of ['mentor', 'observer'] as const) {
      const person = await member(role);
      expect((await start(person.cookie)).status).toBe(403);
    }
    await ok(start(host.cookie));
    const mentor = await member('mentor');
    expect((await sessionAs(mentor.cookie).recording.stop.$post(here())).status).toBe(403);
  });

  it('pauses, resumes and stops in order; a pause twice is refused in words for a clinician', async () => {
    const started = await ok(start(host.cookie));
    await ok(recorder()[':id'].state.$post({ param: { id: started.id }, json: capturing }));
    const step = (action: 'pause' | 'resume' | 'stop') => sessionAs(host.cookie).recording[action].$post(here());
    expect((await ok(step('pause'))).status).toBe('paused');
    expect((await refused(step('pause'), 409)).error).toMatchObject({ code: 'conflict', reason: 'recording_state' });
    expect((await ok(step('resume'))).status).toBe('recording');
    const stopped = await ok(step('stop'));
    expect(stopped.status).toBe('stopped');
    expect(stopped.stoppedAt).toEqual(expect.any(String));
    expect(api.roomCalls.filter((c) => c.action === 'recording').map((c) => c.state)).toEqual(['starting', 'recording', 'paused', 'recording', 'off']);
    expect((await refused(step('stop'), 409)).error).toMatchObject({ code: 'conflict', reason: 'no_recording' });
  });

  it('recording in a session still scheduled starts the session: the dashboard and the room agree', async () => {
    const other = await ok(
      api.client(host.cookie).sessions.$post({ json: { title: 'Later', procedure: 'x', specialty: 'y', scheduledAt: '2026-12-02T08:00:00Z' } }),
    );
    expect(other.status).toBe('scheduled');
    const param = { param: { id: other.id } };
    expect((await sessionAs(host.cookie).recording.$post({ ...param, json: consent })).status).toBe(201);
    expect(await ok(sessionAs(host.cookie).$get(param))).toMatchObject({ status: 'live' });
  });

  it('pressing Record while it records tells the room again what it must show, and says so', async () => {
    const started = await ok(start(host.cookie));
    await ok(recorder()[':id'].state.$post({ param: { id: started.id }, json: capturing }));
    api.roomCalls.length = 0;
    expect((await refused(start(host.cookie), 409)).error.reason).toBe('already_recording');
    expect(api.roomCalls).toEqual([{ action: 'recording', room: session.id, state: 'recording' }]);
  });
});

describe('the recorder’s internal api', () => {
  it('needs the recorder token, lists the work, and takes the outcome', async () => {
    const as = (auth: Record<string, string> | string) => api.client(auth).internal.recordings;
    const work = { json: { worker: 'worker-a', slots: 1 } };
    expect((await as({}).work.$post(work)).status).toBe(401);
    expect((await as({ authorization: 'Bearer wrong' }).work.$post(work)).status).toBe(401);
    expect((await as(host.cookie).work.$post(work)).status).toBe(401);
    const started = await ok(start(host.cookie));
    const param = { param: { id: started.id } };
    expect(await poll()).toEqual([{ id: started.id, sessionId: session.id, status: 'recording', epoch: 1 }]);
    const lease = { worker: 'worker-a', epoch: 1 };
    // REC turns from "starting" to "recording" when the recorder says it is capturing.
    expect((await as({})[':id'].state.$post({ ...param, json: capturing })).status).toBe(401);
    expect((await recorder(lease)[':id'].state.$post({ ...param, json: capturing })).status).toBe(204);
    expect(api.roomCalls.filter((c) => c.action === 'recording').map((c) => c.state)).toEqual(['starting', 'recording']);
    await ok(sessionAs(host.cookie).recording.stop.$post(here()));
    const outcome = await recorder(lease)[':id'].outcome.$post({ ...param, json: { status: 'ready', durationMs: 61_000, failure: null } });
    expect(outcome.status).toBe(204);
    expect(await poll()).toEqual([]);
    expect(await current()).toMatchObject({ status: 'ready', durationMs: 61_000 });
  });

  it('a stopped recording is finalising while the recorder encodes it, and only a stopped one can be', async () => {
    const started = await ok(start(host.cookie));
    const param = { param: { id: started.id } };
    const finalising = () => recorder()[':id'].finalising.$post(param);
    expect((await refused(finalising(), 409)).error.reason).toBe('recording_state');
    await ok(sessionAs(host.cookie).recording.stop.$post(here()));
    expect((await finalising()).status).toBe(204);
    // Said again by a recorder that restarted while finalising: nothing changes.
    expect((await finalising()).status).toBe(204);
    expect(await current()).toMatchObject({ status: 'finalising' });
    // Still the recorder's work after a restart: it finalises it again.
    expect(await poll()).toEqual([{ id: started.id, sessionId: session.id, status: 'finalising', epoch: 1 }]);
    const ready = { ...param, json: { status: 'ready', durationMs: 5_000, failure: null } } as const;
    expect((await recorder({ worker: 'worker-a', epoch: 1 })[':id'].outcome.$post(ready)).status).toBe(204);
    expect(await current()).toMatchObject({ status: 'ready', durationMs: 5_000 });
    expect((await refused(finalising(), 409)).error.reason).toBe('recording_state');
  });

  it('a failure reported while capturing (the disk is full) ends the recording: REC off, a failed case with the reason', async () => {
    const started = await ok(start(host.cookie));
    const failure = 'Recording stopped: the disk that holds recordings is full (no space left on device).';
    const outcome = await recorder()[':id'].outcome.$post({ param: { id: started.id }, json: { status: 'failed', durationMs: null, failure } });
    expect(outcome.status).toBe(204);
    expect(await current()).toMatchObject({ status: 'failed', failure, stoppedAt: expect.any(String) });
    expect(api.roomCalls.filter((c) => c.action === 'recording').map((c) => c.state)).toEqual(['starting', 'off']);
    expect(await poll()).toEqual([]);
    expect(await cases()).toMatchObject([{ sessionId: session.id, status: 'failed', failure }]);
    // The recording can be started again once the disk has room.
    expect((await start(host.cookie)).status).toBe(201);
  });
});

describe('recorder workers with leases', () => {
  it('a worker takes recordings while it has room; another takes none it holds, and its reports are refused', async () => {
    const other = await ok(
      api
        .client(host.cookie)
        .sessions.$post({ json: { title: 'Second', procedure: 'Appendectomy', specialty: 'General', scheduledAt: '2026-12-01T09:00:00Z' } }),
    );
    await ok(api.client(host.cookie).sessions[':id'].start.$post({ param: { id: other.id } }));
    const first = await ok(start(host.cookie));
    const second = await ok(api.client(host.cookie).sessions[':id'].recording.$post({ param: { id: other.id }, json: consent }));
    // Room for one: worker-a takes the oldest; worker-b the other; neither gets one twice.
    expect((await poll('worker-a', 1)).map((r) => r.id)).toEqual([first.id]);
    expect((await poll('worker-b', 4)).map((r) => r.id)).toEqual([second.id]);
    expect((await poll('worker-a', 4)).map((r) => r.id)).toEqual([first.id]);
    // A report on a recording held by another worker, or with no lease, is refused and names the holder.
    const report = (lease?: { worker: string; epoch: number }) => recorder(lease)[':id'].state.$post({ param: { id: second.id }, json: capturing });
    const refusedReport = await refused(report({ worker: 'worker-a', epoch: 1 }), 409);
    expect(refusedReport.error).toMatchObject({ reason: 'lease_lost', message: expect.stringMatching(/worker-b \(epoch 1\)/) });
    expect((await refused(report(), 409)).error.reason).toBe('lease_lost');
    expect((await report({ worker: 'worker-b', epoch: 1 })).status).toBe(204);
    expect(await current()).toMatchObject({ status: 'recording' });
  });

  it('a recording whose worker stops renewing is taken over with the next epoch; the old worker’s reports are refused', async () => {
    await api.close();
    api = await createTestApi({ LOUPE_RECORDING_LEASE_SECONDS: '0.5' });
    host = await api.account('surgeon', 'Dr. Host');
    session = await ok(
      api
        .client(host.cookie)
        .sessions.$post({ json: { title: 'Short leases', procedure: 'Hernia', specialty: 'General', scheduledAt: '2026-12-01T08:00:00Z' } }),
    );
    await ok(sessionAs(host.cookie).start.$post(here()));
    const started = await ok(start(host.cookie));
    expect(await poll('worker-a')).toEqual([expect.objectContaining({ id: started.id, epoch: 1 })]);
    // worker-a goes quiet (paused, or dead): worker-b gets the recording once the lease lapses.
    await expect.poll(async () => (await poll('worker-b')).map((r) => r.epoch), { timeout: 5000, interval: 100 }).toEqual([2]);
    // worker-a comes back: it holds nothing, and what it says about the recording is refused.
    expect(await poll('worker-a')).toEqual([]);
    const late = recorder({ worker: 'worker-a', epoch: 1 })[':id'].state.$post({ param: { id: started.id }, json: capturing });
    expect((await refused(late, 409)).error.reason).toBe('lease_lost');
    // The room still shows REC as starting: the refused report changed nothing.
    expect(api.roomCalls.filter((c) => c.action === 'recording').map((c) => c.state)).toEqual(['starting']);
  });
});

describe('a recording whose picture goes away, or whose recorder falls behind', () => {
  const state = (id: string, capture: 'capturing' | 'waiting', degraded = false) =>
    recorder()[':id'].state.$post({ param: { id }, json: { capture, degraded } });
  const shown = () => api.roomCalls.filter((c) => c.action === 'recording').map(({ state, degraded, failure }) => ({ state, degraded, failure }));

  it('waits while theatre’s picture is away and carries on when it is back: the api, the room and the audit log agree', async () => {
    const started = await ok(start(host.cookie));
    await state(started.id, 'capturing');
    await state(started.id, 'waiting');
    expect(await current()).toMatchObject({ status: 'waiting' });
    // The host can still pause or stop a recording that waits.
    expect((await ok(sessionAs(host.cookie).recording.pause.$post(here()))).status).toBe('paused');
    // The picture coming back does not undo a person's pause.
    await state(started.id, 'capturing');
    expect(await current()).toMatchObject({ status: 'paused' });
    await ok(sessionAs(host.cookie).recording.resume.$post(here()));
    expect(await current()).toMatchObject({ status: 'recording' });
    expect(shown().map((s) => s.state)).toEqual(['starting', 'recording', 'waiting', 'paused', 'recording']);
    const audited = await api.db.select().from(auditLog).where(eq(auditLog.targetId, started.id));
    expect(audited.map((e) => e.action)).toEqual(['recording.start', 'recording.waiting', 'recording.pause', 'recording.resume']);
  });

  it('says REC — degraded while the recorder cannot keep up, and stops saying it when it can', async () => {
    const started = await ok(start(host.cookie));
    await state(started.id, 'capturing');
    await state(started.id, 'capturing', true);
    expect(await current()).toMatchObject({ status: 'recording', degraded: true });
    await state(started.id, 'capturing', false);
    expect(await current()).toMatchObject({ status: 'recording', degraded: false });
    expect(shown()).toEqual([
      { state: 'starting', degraded: undefined, failure: undefined },
      { state: 'recording', degraded: undefined, failure: undefined },
      { state: 'recording', degraded: true, failure: undefined },
      { state: 'recording', degraded: undefined, failure: undefined },
    ]);
  });

  it('is stopped by the recorder when the picture stayed away too long: a case, and the room told why', async () => {
    const started = await ok(start(host.cookie));
    await state(started.id, 'waiting');
    expect((await recorder()[':id'].stop.$post({ param: { id: started.id }, json: { reason: 'no_picture' } })).status).toBe(204);
    expect(await current()).toMatchObject({ status: 'stopped' });
    expect(shown().at(-1)).toMatchObject({ state: 'off', failure: expect.stringMatching(/picture was away too long/) });
    expect((await cases()).map((c) => c.sessionId)).toContain(session.id);
    // A late report from the recorder about the stopped recording changes nothing.
    expect((await state(started.id, 'capturing')).status).toBe(204);
    expect(await current()).toMatchObject({ status: 'stopped' });
  });
});
