import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '@libsql/client';
import { asc } from 'drizzle-orm';
import { AccessToken } from 'livekit-server-sdk';
import type { AuditEntry, AuditQuery, SessionRole, StartRecordingBody } from '@loupe/protocol';
import { TEST_KEYS, createTestApi, ok, postJson, sessionCookie, type TestAccount, type TestApi } from '../../test/fixture.ts';
import { openDb } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import { flushRepeats } from './repeats.ts';
import { recordAudit } from './audit.ts';
import { verifyAuditChain } from './verify.ts';

let api: TestApi;
let admin: TestAccount;
let host: TestAccount;

beforeEach(async () => {
  api = await createTestApi();
  admin = await api.account('admin', 'Dr. Lin Wei');
  host = await api.account('surgeon', 'Dr. Host');
});
afterEach(() => api.close());

const consent: StartRecordingBody = { consentOnFile: true, noIdentifiersInView: true };
/** The api as the holder of `who`'s cookie (nobody's: signed out). */
const as = (who?: TestAccount) => api.client(who?.cookie ?? {});
const byId = (id: string) => ({ param: { id } });

/** The log as an administrator reads it, newest first. */
async function audit(query: { [K in keyof AuditQuery]?: string } = {}): Promise<AuditEntry[]> {
  return (await ok(as(admin).audit.$get({ query }), 200)).entries;
}

const verify = () => ok(as(admin).audit.verify.$get());

/** A live session hosted by `host`, recorded and stopped: its case exists (processing). */
async function recordedSession() {
  const sessions = as(host).sessions;
  const session = await ok(
    sessions.$post({ json: { title: 'Lap chole', procedure: 'Cholecystectomy', specialty: 'General surgery', scheduledAt: '2026-12-01T08:00:00Z' } }),
  );
  await ok(sessions[':id'].start.$post(byId(session.id)));
  const recording = await ok(sessions[':id'].recording.$post({ ...byId(session.id), json: consent }));
  await ok(sessions[':id'].recording.stop.$post(byId(session.id)));
  const [made] = (await ok(as(host).cases.$get({ query: {} }))).cases;
  if (!made) throw new Error('no case made');
  return { sessionId: session.id, recordingId: recording.id, caseId: made.id };
}

const invite = (sessionId: string, email: string, role: SessionRole) => as(host).sessions[':id'].members.$post({ ...byId(sessionId), json: { email, role } });

describe('what the audit log records', () => {
  it('sign-ins with the address, joining a session with the role, recording with the consent given, and case views', async () => {
    // As through the web server's /api proxy, which says whose request it passes on. Sent raw:
    // the typed client's requests come from no socket address.
    const signIn = await api.app.request(
      '/auth/sign-in',
      { ...postJson({ email: host.user.email, password: host.password }), headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' } },
      { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
    );
    host = { ...host, cookie: sessionCookie(signIn) };
    const [latest] = await audit();
    expect(latest).toMatchObject({ action: 'auth.sign_in', actorId: host.user.id, actorLabel: 'Dr. Host', ip: '203.0.113.7' });

    const { sessionId, recordingId, caseId } = await recordedSession();
    await ok(as(host).sessions[':id'].token.$post({ ...byId(sessionId), query: { display: 'true' } }));
    await ok(as(host).cases[':id'].$get(byId(caseId)));

    const entries = await audit({ session: sessionId });
    expect(entries.map((e) => e.action)).toEqual(['case.view', 'session.token', 'recording.stop', 'recording.start', 'session.started']);
    const [view, token, stop, start] = entries;
    expect(view).toMatchObject({ actorLabel: 'Dr. Host', targetType: 'case', targetId: caseId, targetLabel: 'Lap chole', sessionTitle: 'Lap chole' });
    expect(token).toMatchObject({ targetType: 'session', detail: { role: 'host', displayOnly: true } });
    expect(stop).toMatchObject({ targetType: 'recording', targetId: recordingId });
    expect(start).toMatchObject({ actorId: host.user.id, targetId: recordingId });
    expect(start!.detail).toEqual({ consentOnFile: true, noIdentifiersInView: true, consentAt: expect.any(String) });
  });

  it('failed sign-ins with the email typed, and sign-outs', async () => {
    await as().auth['sign-in'].$post({ json: { email: host.user.email, password: 'not the password' } });
    await as().auth['sign-in'].$post({ json: { email: 'nobody@hospital.test', password: 'guess' } });
    await ok(as(host).auth['sign-out'].$post());
    const [out, unknown, wrong] = await audit({ action: 'auth' });
    expect(out).toMatchObject({ action: 'auth.sign_out', actorId: host.user.id });
    expect(unknown).toMatchObject({ action: 'auth.sign_in_failed', actorId: null, actorLabel: 'nobody@hospital.test', targetId: null });
    expect(wrong).toMatchObject({ action: 'auth.sign_in_failed', actorId: null, targetId: host.user.id, detail: { reason: 'wrong_password' } });
  });

  it('accounts made, and people invited, moved to another role and removed', async () => {
    const created = await ok(
      as(admin).users.$post({ json: { email: 'li.na@hospital.test', name: 'Li Na', role: 'trainee', password: 'a long enough passphrase' } }),
    );
    const { sessionId } = await recordedSession();
    await ok(invite(sessionId, 'li.na@hospital.test', 'observer'));
    await ok(invite(sessionId, 'li.na@hospital.test', 'observer'));
    await ok(invite(sessionId, 'li.na@hospital.test', 'mentor'));
    await ok(as(host).sessions[':id'].members[':userId'].$delete({ param: { id: sessionId, userId: created.id } }));

    const [made] = await audit({ action: 'user' });
    expect(made).toMatchObject({ action: 'user.created', actorId: admin.user.id, targetId: created.id, detail: { role: 'trainee' } });
    const members = await audit({ action: 'session', target: created.id });
    expect(members.map((e) => [e.action, e.detail])).toEqual([
      ['session.member_removed', { role: 'mentor' }],
      ['session.member_role_changed', { email: 'li.na@hospital.test', from: 'observer', to: 'mentor' }],
      ['session.member_added', { email: 'li.na@hospital.test', role: 'observer' }],
    ]);
    expect(members.every((e) => e.actorId === host.user.id && e.targetLabel === 'Li Na')).toBe(true);
  });

  it('refuses another user’s case or session by id, and records the refusal', async () => {
    const { sessionId, caseId } = await recordedSession();
    const stranger = await api.account('trainee', 'Stranger');
    expect((await as(stranger).cases[':id'].$get(byId(caseId))).status).toBe(404);
    expect((await as(stranger).sessions[':id'].recording.$get(byId(sessionId))).status).toBe(404);
    const missing = crypto.randomUUID();
    expect((await as(stranger).sessions[':id'].token.$post({ ...byId(missing), query: {} })).status).toBe(404);

    const denied = await audit({ action: 'access.denied', actor: stranger.user.id });
    expect(denied.map((e) => [e.targetType, e.targetId, e.detail.status])).toEqual([
      ['session', missing, 404],
      ['session', sessionId, 404],
      ['case', caseId, 404],
    ]);
    expect(denied[2]!.detail).toMatchObject({ method: 'GET', path: `/cases/${caseId}` });
    // Once invited as an observer, the same person may watch but not edit: a 403, recorded.
    await ok(invite(sessionId, stranger.user.email, 'observer'));
    expect((await as(stranger).cases[':id'].$patch({ ...byId(caseId), json: { title: 'Mine now' } })).status).toBe(403);
    const [edit] = await audit({ action: 'access.denied', actor: stranger.user.id });
    expect(edit).toMatchObject({ targetId: caseId, detail: { status: 403, method: 'PATCH' } });
    // A member asking for a recording that does not exist yet is not refused anything.
    const fresh = await ok(as(host).sessions.$post({ json: { title: 'New', procedure: 'P', specialty: 'S', scheduledAt: '2026-12-01T08:00:00Z' } }));
    expect((await as(host).sessions[':id'].recording.$get(byId(fresh.id))).status).toBe(404);
    expect(await audit({ action: 'access.denied', actor: host.user.id })).toEqual([]);
  });

  it('a refusal repeated in a loop is one entry and then a count, not a flood, and nothing is lost', async () => {
    const { caseId } = await recordedSession();
    const stranger = await api.account('trainee', 'Prober');
    for (let i = 0; i < 50; i++) expect((await as(stranger).cases[':id'].$get(byId(caseId))).status).toBe(404);
    expect(await audit({ action: 'access.denied', actor: stranger.user.id })).toHaveLength(1);
    await flushRepeats(api.db);
    const [summary, first] = await audit({ action: 'access.denied', actor: stranger.user.id });
    expect(first!.detail).not.toHaveProperty('repeated');
    expect(summary!.detail).toMatchObject({ status: 404, repeated: 49, from: expect.any(String), to: expect.any(String) });
  });

  it('one entry per playback of a case video, not one per range request', async () => {
    const { recordingId, caseId } = await recordedSession();
    const dir = join(api.config.mediaDir, 'recordings', recordingId);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'case.mp4'), Buffer.alloc(1000));
    await writeFile(join(dir, 'poster.jpg'), Buffer.alloc(10));
    const get = (file: 'case.mp4' | 'poster.jpg', range?: string) =>
      as(host).cases[':id'].media[':file'].$get({ param: { id: caseId, file } }, { headers: range ? { range } : {} });
    for (const range of ['bytes=0-', 'bytes=500-', 'bytes=900-999']) expect((await get('case.mp4', range)).status).toBe(206);
    expect((await get('poster.jpg')).status).toBe(200);
    expect((await get('case.mp4')).status).toBe(200);

    const media = await audit({ action: 'case.media' });
    expect(media.map((e) => e.detail)).toEqual([
      { file: 'case.mp4', range: null },
      { file: 'case.mp4', range: 'bytes=0-' },
    ]);
  });

  it('who LiveKit says joined the room, once however often the webhook is delivered', async () => {
    const { sessionId } = await recordedSession();
    const post = async (id: string, identity: string, name: string, attributes: Record<string, string>) => {
      const body = JSON.stringify({
        event: 'participant_joined',
        id,
        createdAt: String(Math.floor(Date.now() / 1000)),
        room: { name: sessionId },
        participant: { identity, name, attributes },
      });
      const token = new AccessToken(TEST_KEYS.apiKey, TEST_KEYS.apiSecret);
      token.sha256 = createHash('sha256').update(body).digest('base64');
      expect((await api.webhook(body, await token.toJwt())).status).toBe(200);
    };
    await post('EV_1', host.user.id, 'Dr. Host', { role: 'host' });
    await post('EV_1', host.user.id, 'Dr. Host', { role: 'host' });
    await post('EV_2', `${host.user.id}:display:ab12`, 'Dr. Host', { role: 'host', display: 'true' });
    await post('EV_3', 'recorder:1', 'Recorder', {});

    const joined = await audit({ action: 'session.joined_room', session: sessionId });
    expect(joined.map((e) => [e.actorId, e.actorLabel, e.detail.role, e.detail.displayOnly])).toEqual([
      [null, 'Recorder', null, false],
      [host.user.id, 'Dr. Host', 'host', true],
      [host.user.id, 'Dr. Host', 'host', false],
    ]);
  });
});

describe('reading the audit log', () => {
  it('is for administrators only', async () => {
    const mentor = await api.account('mentor');
    for (const who of [mentor, host, undefined]) {
      const read = as(who).audit;
      for (const res of [await read.$get({ query: {} }), await read.verify.$get()]) expect(res.status, `${res.url} as ${who?.user.name}`).toBe(who ? 403 : 401);
    }
  });

  it('filters by action, person and time, newest first, in pages', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await recordedSession();
    const all = await audit();
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => b - a));
    expect((await audit({ action: 'recording' })).map((e) => e.action)).toEqual(['recording.stop', 'recording.start']);
    expect((await audit({ action: 'auth.sign_in' })).map((e) => e.actorLabel)).toEqual(['Dr. Host', 'Dr. Lin Wei']);
    expect((await audit({ actor: admin.user.id })).map((e) => e.action)).toEqual(['auth.sign_in']);
    expect(await audit({ from: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect(await audit({ to: before })).toEqual([]);

    const page = await ok(as(admin).audit.$get({ query: { pageSize: '2', page: '2' } }));
    expect(page).toMatchObject({ total: all.length, page: 2, pageSize: 2 });
    expect(page.entries.map((e) => e.seq)).toEqual(all.slice(2, 4).map((e) => e.seq));
    expect((await as(admin).audit.$get({ query: { action: 'DROP TABLE' } })).status).toBe(400);
  });
});

describe('the hash chain', () => {
  it('verifies, and the database itself refuses to change or delete an entry', async () => {
    await recordedSession();
    const entries = await audit();
    expect(await verify()).toEqual({
      ok: true,
      checked: entries.length,
      brokenAt: null,
      head: entries[0]!.hash,
      anchors: 0,
      anchoredAt: null,
      anchorFailure: null,
    });

    await expect(api.db.update(auditLog).set({ actorLabel: 'someone else' })).rejects.toThrow();
    await expect(api.db.delete(auditLog)).rejects.toThrow();
    const raw = createClient({ url: api.config.db.url });
    await expect(raw.execute('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(raw.execute("UPDATE audit_log SET detail = '{}' WHERE seq = 1")).rejects.toThrow(/append-only/);
    raw.close();
    expect(await audit()).toEqual(entries);
  });

  it('reports the first entry changed behind its back, once the triggers are dropped', async () => {
    await recordedSession();
    const raw = createClient({ url: api.config.db.url });
    await raw.execute('DROP TRIGGER audit_log_no_update');
    await raw.execute(`UPDATE audit_log SET detail = '{"consentOnFile":false}' WHERE action = 'recording.start'`);
    const { rows } = await raw.execute(`SELECT seq FROM audit_log WHERE action = 'recording.start'`);
    raw.close();
    const seq = Number(rows[0]!.seq);
    expect(await verify()).toEqual({ ok: false, checked: seq - 1, brokenAt: seq, head: null, anchors: 0, anchoredAt: null, anchorFailure: null });
  });

  it('reports an entry removed from the middle', async () => {
    await recordedSession();
    const raw = createClient({ url: api.config.db.url });
    await raw.execute('DROP TRIGGER audit_log_no_delete');
    await raw.execute('DELETE FROM audit_log WHERE seq = 2');
    raw.close();
    expect(await verify()).toMatchObject({ ok: false, checked: 1, brokenAt: 2 });
  });

  it('stays one chain without gaps under concurrent writers, in this process and from another handle', async () => {
    const other = await openDb(api.config.db.url);
    const entry = (n: number) => ({ action: 'case.view' as const, actorId: null, actorLabel: `writer ${n}`, detail: { n } });
    await Promise.all(Array.from({ length: 50 }, (_, n) => recordAudit(n % 2 ? api.db : other.db, entry(n))));
    other.client.close();

    const seqs = (await api.db.select({ seq: auditLog.seq }).from(auditLog).orderBy(asc(auditLog.seq))).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBe(52);
    expect(await verifyAuditChain(api.db)).toMatchObject({ ok: true, checked: 52 });
  });
});
