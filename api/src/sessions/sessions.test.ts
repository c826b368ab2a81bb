import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveSession } from '@loupe/protocol';
import { createTestApi, postJson, withCookie, type TestAccount, type TestApi, json } from '../../test/fixture.ts';

let api: TestApi;
let host: TestAccount;

const surgery = {
  title: 'Laparoscopic cholecystectomy',
  procedure: 'Cholecystectomy',
  specialty: 'General surgery',
  scheduledAt: '2026-12-01T09:30:00+08:00',
};

async function schedule(cookie = host.cookie): Promise<LiveSession> {
  const res = await api.app.request('/sessions', postJson(surgery, cookie));
  expect(res.status).toBe(201);
  return json(res);
}

beforeEach(async () => {
  api = await createTestApi();
  host = await api.account('surgeon', 'Dr. Host');
});
afterEach(() => api.close());

describe('scheduling', () => {
  it('creates a session with its creator as host, listed on their dashboard', async () => {
    const created = await schedule();
    expect(created).toMatchObject({
      title: surgery.title,
      status: 'scheduled',
      scheduledAt: '2026-12-01T01:30:00.000Z',
      myRole: 'host',
      members: [{ userId: host.user.id, role: 'host', name: 'Dr. Host' }],
    });
    const list = await json(await api.app.request('/sessions', withCookie(host.cookie)));
    expect(list.sessions.map((s: LiveSession) => s.id)).toEqual([created.id]);
  });

  it('trainees cannot schedule', async () => {
    const trainee = await api.account('trainee');
    const res = await api.app.request('/sessions', postJson(surgery, trainee.cookie));
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe('forbidden');
  });

  it('rejects invalid bodies with the error shape and saves nothing', async () => {
    for (const body of [
      { ...surgery, title: '' },
      { ...surgery, scheduledAt: 'tomorrow morning' },
      { ...surgery, title: 'x'.repeat(201) },
      { title: 'only a title' },
      'not an object',
    ]) {
      const res = await api.app.request('/sessions', postJson(body, host.cookie));
      expect(res.status).toBe(400);
      const { error } = await json(res);
      expect(error.code).toBe('invalid_request');
      expect(error.message.length).toBeGreaterThan(0);
    }
    const list = await json(await api.app.request('/sessions', withCookie(host.cookie)));
    expect(list.sessions).toEqual([]);
  });

  it('answers malformed JSON and bad ids with 400, unknown routes with 404, never a stack trace', async () => {
    const broken = await api.app.request('/sessions', {
      method: 'POST',
      headers: { cookie: host.cookie, 'content-type': 'application/json' },
      body: '{"title": ',
    });
    expect(broken.status).toBe(400);
    const badId = await api.app.request('/sessions/42', withCookie(host.cookie));
    expect(badId.status).toBe(400);
    expect(await json(badId)).toEqual({ error: { code: 'invalid_request', message: 'id: Invalid UUID' } });
    const nowhere = await api.app.request('/nowhere', withCookie(host.cookie));
    expect(nowhere.status).toBe(404);
    expect(JSON.stringify(await json(nowhere))).not.toMatch(/at .*\.ts/);
  });
});

describe('invitations and lifecycle', () => {
  it('the host invites by email with a role; the invitee sees the session in their role', async () => {
    const session = await schedule();
    const mentor = await api.account('mentor', 'Prof. Zhang');
    const res = await api.app.request(`/sessions/${session.id}/members`, postJson({ email: mentor.user.email, role: 'mentor' }, host.cookie));
    expect(res.status).toBe(200);
    expect((await json(res)).members).toHaveLength(2);
    const theirs = await json(await api.app.request('/sessions', withCookie(mentor.cookie)));
    expect(theirs.sessions).toHaveLength(1);
    expect(theirs.sessions[0].myRole).toBe('mentor');
  });

  it('an unknown email is a 404 that says what to do; a non-host cannot invite', async () => {
    const session = await schedule();
    const unknown = await api.app.request(`/sessions/${session.id}/members`, postJson({ email: 'ghost@hospital.test', role: 'observer' }, host.cookie));
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error.message).toMatch(/administrator/);
    const mentor = await api.account('mentor');
    await api.app.request(`/sessions/${session.id}/members`, postJson({ email: mentor.user.email, role: 'mentor' }, host.cookie));
    const other = await api.account('trainee');
    const res = await api.app.request(`/sessions/${session.id}/members`, postJson({ email: other.user.email, role: 'observer' }, mentor.cookie));
    expect(res.status).toBe(403);
  });

  it('members see each other’s names and roles; only hosts and admins see email addresses', async () => {
    const session = await schedule();
    const trainee = await api.account('trainee');
    const mentor = await api.account('mentor');
    for (const [person, role] of [
      [trainee, 'observer'],
      [mentor, 'mentor'],
    ] as const) {
      await api.app.request(`/sessions/${session.id}/members`, postJson({ email: person.user.email, role }, host.cookie));
    }
    const emails = async (who: { cookie: string }) =>
      Object.fromEntries(
        (await json(await api.app.request(`/sessions/${session.id}`, withCookie(who.cookie)))).members.map((m: { name: string; email: string | null }) => [
          m.name,
          m.email,
        ]),
      );
    const asTrainee = await emails(trainee);
    expect(asTrainee[mentor.user.name]).toBeNull();
    expect(asTrainee[trainee.user.name]).toBe(trainee.user.email);
    expect((await emails(host))[mentor.user.name]).toBe(mentor.user.email);
    expect((await emails(await api.account('admin')))[trainee.user.name]).toBe(trainee.user.email);
  });

  it('someone not invited cannot see the session; an admin can', async () => {
    const session = await schedule();
    const outsider = await api.account('mentor');
    // The same 404 as for a session that does not exist: an outsider learns nothing.
    expect((await api.app.request(`/sessions/${session.id}`, withCookie(outsider.cookie))).status).toBe(404);
    const admin = await api.account('admin');
    const seen = await api.app.request(`/sessions/${session.id}`, withCookie(admin.cookie));
    expect(seen.status).toBe(200);
    expect((await json(seen)).myRole).toBeNull();
    expect((await api.app.request(`/sessions/${crypto.randomUUID()}`, withCookie(admin.cookie))).status).toBe(404);
  });

  it('start makes it live; end closes the live room and refuses further tokens', async () => {
    const session = await schedule();
    const started = await api.app.request(`/sessions/${session.id}/start`, withCookie(host.cookie, 'POST'));
    expect(await json(started)).toMatchObject({ status: 'live', startedAt: expect.any(String) });
    const ended = await api.app.request(`/sessions/${session.id}/end`, withCookie(host.cookie, 'POST'));
    expect(await json(ended)).toMatchObject({ status: 'ended', endedAt: expect.any(String) });
    expect(api.roomCalls).toEqual([{ action: 'close', room: session.id }]);
    const token = await api.app.request(`/sessions/${session.id}/token`, withCookie(host.cookie, 'POST'));
    expect(token.status).toBe(409);
  });

  it('removing a member takes them out of the live room at once, their second screen too, and revokes their access', async () => {
    const session = await schedule();
    const trainee = await api.account('trainee');
    const other = await api.account('trainee');
    for (const person of [trainee, other]) {
      await api.app.request(`/sessions/${session.id}/members`, postJson({ email: person.user.email, role: 'observer' }, host.cookie));
    }
    const inRoom = (identity: string) => ({ identity, name: 'x', attributes: { role: 'observer', name: 'x' }, joinedAt: 1 });
    api.present.set(session.id, [inRoom(trainee.user.id), inRoom(`${trainee.user.id}:display:ab12cd34`), inRoom(other.user.id)]);
    const res = await api.app.request(`/sessions/${session.id}/members/${trainee.user.id}`, withCookie(host.cookie, 'DELETE'));
    expect(res.status).toBe(200);
    expect(api.roomCalls).toEqual([
      { action: 'remove', room: session.id, identity: trainee.user.id },
      { action: 'remove', room: session.id, identity: `${trainee.user.id}:display:ab12cd34` },
    ]);
    expect((await api.app.request(`/sessions/${session.id}/token`, withCookie(trainee.cookie, 'POST'))).status).toBe(404);
  });

  it('a new role applies at once to whoever is in the live room with the old one', async () => {
    const session = await schedule();
    const mentor = await api.account('mentor');
    await api.app.request(`/sessions/${session.id}/members`, postJson({ email: mentor.user.email, role: 'mentor' }, host.cookie));
    api.present.set(session.id, [{ identity: mentor.user.id, name: 'M', attributes: { role: 'mentor', name: 'M' }, joinedAt: 1 }]);
    await api.app.request(`/sessions/${session.id}/members`, postJson({ email: mentor.user.email, role: 'observer' }, host.cookie));
    expect(api.roomCalls).toEqual([{ action: 'update', room: session.id, identity: mentor.user.id, state: 'observer' }]);
  });

  it('an observer who joins late asks, through the api, the theatre and mentors for the overlay', async () => {
    const session = await schedule();
    const people: Record<string, TestAccount> = {};
    for (const [role, global] of [
      ['theatre', 'surgeon'],
      ['mentor', 'mentor'],
      ['observer', 'trainee'],
    ] as const) {
      people[role] = await api.account(global);
      await api.app.request(`/sessions/${session.id}/members`, postJson({ email: people[role].user.email, role }, host.cookie));
    }
    const ask = (who: TestAccount, identity: string) => api.app.request(`/sessions/${session.id}/overlay-request`, postJson({ identity }, who.cookie));
    const res = await ask(people.observer!, people.observer!.user.id);
    expect(res.status).toBe(202);
    expect(api.roomCalls).toHaveLength(1);
    expect(api.roomCalls[0]).toMatchObject({ action: 'overlay', room: session.id, identity: people.observer!.user.id });
    expect(new Set(api.roomCalls[0]!.holders)).toEqual(new Set([people.theatre!.user.id, people.mentor!.user.id]));
    const outsider = await api.account('trainee');
    expect((await ask(outsider, outsider.user.id)).status).toBe(404);
    // Nobody may have a snapshot sent to someone else.
    expect((await ask(people.observer!, people.mentor!.user.id)).status).toBe(403);
    // A theatre's second monitor asks as its own identity; the theatre PC is then a holder for it.
    const display = `${people.theatre!.user.id}:display:ab12cd34`;
    expect((await ask(people.theatre!, display)).status).toBe(202);
    expect(new Set(api.roomCalls[1]!.holders)).toEqual(new Set([people.theatre!.user.id, people.mentor!.user.id]));
    expect(api.roomCalls).toHaveLength(2);
  });

  it('an observer asking for the overlay in a loop is told to wait, and the holders are not asked again', async () => {
    const session = await schedule();
    const observer = await api.account('trainee');
    const mentor = await api.account('mentor');
    await api.app.request(`/sessions/${session.id}/members`, postJson({ email: observer.user.email, role: 'observer' }, host.cookie));
    await api.app.request(`/sessions/${session.id}/members`, postJson({ email: mentor.user.email, role: 'mentor' }, host.cookie));
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await api.app.request(`/sessions/${session.id}/overlay-request`, postJson({ identity: observer.user.id }, observer.cookie))).status);
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(4);
    expect(statuses.slice(4).every((s) => s === 429)).toBe(true);
    expect(api.roomCalls.filter((c) => c.action === 'overlay')).toHaveLength(4);
  });
});
