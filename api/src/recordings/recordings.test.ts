import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog } from '../db/schema.ts';
import type { LiveSession, SessionRole } from '@loupe/protocol';
import { TEST_RECORDER_TOKEN, createTestApi, json, postJson, withCookie, type TestAccount, type TestApi } from '../../test/fixture.ts';

let api: TestApi;
let host: TestAccount;
let session: LiveSession;
const consent = { consentOnFile: true, noIdentifiersInView: true };

beforeEach(async () => {
  api = await createTestApi();
  host = await api.account('surgeon', 'Dr. Host');
  const res = await api.app.request(
    '/sessions',
    postJson({ title: 'Whipple', procedure: 'Pancreaticoduodenectomy', specialty: 'HPB', scheduledAt: '2026-12-01T08:00:00Z' }, host.cookie),
  );
  session = await json(res);
  await api.app.request(`/sessions/${session.id}/start`, withCookie(host.cookie, 'POST'));
});
afterEach(() => api.close());

async function member(role: SessionRole) {
  const person = await api.account(role === 'observer' ? 'trainee' : role === 'theatre' ? 'surgeon' : 'mentor');
  await api.app.request(`/sessions/${session.id}/members`, postJson({ email: person.user.email, role }, host.cookie));
  return person;
}

const recorder = (path: string, init: RequestInit = {}) =>
  api.app.request(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${TEST_RECORDER_TOKEN}` } });

describe('recording controls', () => {
  it('theatre starts a recording only with both confirmations, stored with who and when; the room shows REC', async () => {
    const theatre = await member('theatre');
    const refused = await api.app.request(`/sessions/${session.id}/recording`, postJson({ consentOnFile: true }, theatre.cookie));
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.message).toMatch(/identifiers/);
    const res = await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, theatre.cookie));
    expect(res.status).toBe(201);
    const recording = await json(res);
    expect(recording).toMatchObject({ status: 'recording', consentBy: theatre.user.id, sessionId: session.id });
    expect(Math.abs(Date.parse(recording.consentAt) - Date.now())).toBeLessThan(5000);
    expect(api.roomCalls).toContainEqual({ action: 'recording', room: session.id, state: 'starting' });
    const again = await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, theatre.cookie));
    expect(again.status).toBe(409);
  });

  it('ending the session stops a recording still running, which becomes a case', async () => {
    await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie));
    expect((await api.app.request(`/sessions/${session.id}/end`, withCookie(host.cookie, 'POST'))).status).toBe(200);
    const recording = await json(await api.app.request(`/sessions/${session.id}/recording`, withCookie(host.cookie)));
    expect(recording.status).toBe('stopped');
    expect(api.roomCalls).toContainEqual({ action: 'recording', room: session.id, state: 'off' });
    const { cases } = await json(await api.app.request('/cases', withCookie(host.cookie)));
    expect(cases.map((c: { sessionId: string }) => c.sessionId)).toContain(session.id);
  });

  it('mentors and observers cannot start, pause or stop a recording', async () => {
    for (const role of ['mentor', 'observer'] as const) {
      const person = await member(role);
      expect((await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, person.cookie))).status).toBe(403);
    }
    await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie));
    const mentor = await member('mentor');
    expect((await api.app.request(`/sessions/${session.id}/recording/stop`, withCookie(mentor.cookie, 'POST'))).status).toBe(403);
  });

  it('pauses, resumes and stops in order; a pause twice is refused in words for a clinician', async () => {
    const started = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
    await recorder(`/internal/recordings/${started.id}/state`, postJson({ capture: 'capturing', degraded: false }));
    const step = async (action: string) => api.app.request(`/sessions/${session.id}/recording/${action}`, withCookie(host.cookie, 'POST'));
    expect((await json(await step('pause'))).status).toBe('paused');
    const twice = await step('pause');
    expect(twice.status).toBe(409);
    expect((await json(twice)).error).toMatchObject({ code: 'conflict', reason: 'recording_state' });
    expect((await json(await step('resume'))).status).toBe('recording');
    const stopped = await json(await step('stop'));
    expect(stopped.status).toBe('stopped');
    expect(stopped.stoppedAt).toEqual(expect.any(String));
    expect(api.roomCalls.filter((c) => c.action === 'recording').map((c) => c.state)).toEqual(['starting', 'recording', 'paused', 'recording', 'off']);
    expect((await json(await step('stop'))).error).toMatchObject({ code: 'conflict', reason: 'no_recording' });
  });

  it('recording in a session still scheduled starts the session: the dashboard and the room agree', async () => {
    const other = await json(
      await api.app.request('/sessions', postJson({ title: 'Later', procedure: 'x', specialty: 'y', scheduledAt: '2026-12-02T08:00:00Z' }, host.cookie)),
    );
    expect(other.status).toBe('scheduled');
    expect((await api.app.request(`/sessions/${other.id}/recording`, postJson(consent, host.cookie))).status).toBe(201);
    expect(await json(await api.app.request(`/sessions/${other.id}`, withCookie(host.cookie)))).toMatchObject({ status: 'live' });
  });

  it('pressing Record while it records tells the room again what it must show, and says so', async () => {
    const started = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
    await recorder(`/internal/recordings/${started.id}/state`, postJson({ capture: 'capturing', degraded: false }));
    api.roomCalls.length = 0;
    const again = await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie));
    expect(again.status).toBe(409);
    expect((await json(again)).error.reason).toBe('already_recording');
    expect(api.roomCalls).toEqual([{ action: 'recording', room: session.id, state: 'recording' }]);
  });
});

describe('the recorder’s internal api', () => {
  it('needs the recorder token, lists the work, and takes the outcome', async () => {
    expect((await api.app.request('/internal/recordings/active')).status).toBe(401);
    expect((await api.app.request('/internal/recordings/active', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await api.app.request('/internal/recordings/active', withCookie(host.cookie))).status).toBe(401);
    const started = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
    const work = await json(await recorder('/internal/recordings/active'));
    expect(work.recordings).toEqual([{ id: started.id, sessionId: session.id, status: 'recording' }]);
    // REC turns from "starting" to "recording" when the recorder says it is capturing.
    const capturing = postJson({ capture: 'capturing', degraded: false });
    expect((await api.app.request(`/internal/recordings/${started.id}/state`, capturing)).status).toBe(401);
    expect((await recorder(`/internal/recordings/${started.id}/state`, capturing)).status).toBe(204);
    expect(api.roomCalls.filter((c) => c.action === 'recording').map((c) => c.state)).toEqual(['starting', 'recording']);
    await api.app.request(`/sessions/${session.id}/recording/stop`, withCookie(host.cookie, 'POST'));
    const outcome = await recorder(`/internal/recordings/${started.id}/outcome`, postJson({ status: 'ready', durationMs: 61_000, failure: null }));
    expect(outcome.status).toBe(204);
    expect((await json(await recorder('/internal/recordings/active'))).recordings).toEqual([]);
    const after = await json(await api.app.request(`/sessions/${session.id}/recording`, withCookie(host.cookie)));
    expect(after).toMatchObject({ status: 'ready', durationMs: 61_000 });
  });

  it('a stopped recording is finalising while the recorder encodes it, and only a stopped one can be', async () => {
    const started = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
    const finalising = () => recorder(`/internal/recordings/${started.id}/finalising`, { method: 'POST' });
    const refused = await finalising();
    expect(refused.status).toBe(409);
    expect((await json(refused)).error.reason).toBe('recording_state');
    await api.app.request(`/sessions/${session.id}/recording/stop`, withCookie(host.cookie, 'POST'));
    expect((await finalising()).status).toBe(204);
    // Said again by a recorder that restarted while finalising: nothing changes.
    expect((await finalising()).status).toBe(204);
    const current = async () => json(await api.app.request(`/sessions/${session.id}/recording`, withCookie(host.cookie)));
    expect(await current()).toMatchObject({ status: 'finalising' });
    // Still the recorder's work after a restart: it finalises it again.
    expect((await json(await recorder('/internal/recordings/active'))).recordings).toEqual([{ id: started.id, sessionId: session.id, status: 'finalising' }]);
    expect((await recorder(`/internal/recordings/${started.id}/outcome`, postJson({ status: 'ready', durationMs: 5_000, failure: null }))).status).toBe(204);
    expect(await current()).toMatchObject({ status: 'ready', durationMs: 5_000 });
    expect((await finalising()).status).toBe(409);
  });

  it('a failure reported while capturing (the disk is full) ends the recording: REC off, a failed case with the reason', async () => {
    const started = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
    const failure = 'Recording stopped: the disk that holds recordings is full (no space left on device).';
    const outcome = await recorder(`/internal/recordings/${started.id}/outcome`, postJson({ status: 'failed', durationMs: null, failure }));
    expect(outcome.status).toBe(204);
    const after = await json(await api.app.request(`/sessions/${session.id}/recording`, withCookie(host.cookie)));
    expect(after).toMatchObject({ status: 'failed', failure, stoppedAt: expect.any(String) });
    expect(api.roomCalls.filter((c) => c.action === 'recording').map((c) => c.state)).toEqual(['starting', 'off']);
    expect((await json(await recorder('/internal/recordings/active'))).recordings).toEqual([]);
    const { cases } = await json(await api.app.request('/cases', withCookie(host.cookie)));
    expect(cases).toMatchObject([{ sessionId: session.id, status: 'failed', failure }]);
    // The recording can be started again once the disk has room.
    expect((await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie))).status).toBe(201);
  });
});

describe('a recording whose picture goes away, or whose recorder falls behind', () => {
  const state = (id: string, capture: 'capturing' | 'waiting', degraded = false) =>
    recorder(`/internal/recordings/${id}/state`, postJson({ capture, degraded }));
  const current = async () => json(await api.app.request(`/sessions/${session.id}/recording`, withCookie(host.cookie)));
  const shown = () => api.roomCalls.filter((c) => c.action === 'recording').map(({ state, degraded, failure }) => ({ state, degraded, failure }));

  it('waits while theatre’s picture is away and carries on when it is back: the api, the room and the audit log agree', async () => {
    const started = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
    await state(started.id, 'capturing');
    await state(started.id, 'waiting');
    expect(await current()).toMatchObject({ status: 'waiting' });
    // The host can still pause or stop a recording that waits.
    expect((await json(await api.app.request(`/sessions/${session.id}/recording/pause`, withCookie(host.cookie, 'POST')))).status).toBe('paused');
    // The picture coming back does not undo a person's pause.
    await state(started.id, 'capturing');
    expect(await current()).toMatchObject({ status: 'paused' });
    await api.app.request(`/sessions/${session.id}/recording/resume`, withCookie(host.cookie, 'POST'));
    expect(await current()).toMatchObject({ status: 'recording' });
    expect(shown().map((s) => s.state)).toEqual(['starting', 'recording', 'waiting', 'paused', 'recording']);
    const audited = await api.db.select().from(auditLog).where(eq(auditLog.targetId, started.id));
    expect(audited.map((e) => e.action)).toEqual(['recording.start', 'recording.waiting', 'recording.pause', 'recording.resume']);
  });

  it('says REC — degraded while the recorder cannot keep up, and stops saying it when it can', async () => {
    const started = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
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
    const started = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
    await state(started.id, 'waiting');
    expect((await recorder(`/internal/recordings/${started.id}/stop`, postJson({ reason: 'no_picture' }))).status).toBe(204);
    expect(await current()).toMatchObject({ status: 'stopped' });
    expect(shown().at(-1)).toMatchObject({ state: 'off', failure: expect.stringMatching(/picture was away too long/) });
    const { cases } = await json(await api.app.request('/cases', withCookie(host.cookie)));
    expect(cases.map((c: { sessionId: string }) => c.sessionId)).toContain(session.id);
    // A late report from the recorder about the stopped recording changes nothing.
    expect((await state(started.id, 'capturing')).status).toBe(204);
    expect(await current()).toMatchObject({ status: 'stopped' });
  });
});
