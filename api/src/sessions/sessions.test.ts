import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveSession, SessionRole } from '@loupe/protocol';
import { createTestApi, ok, postJson, refused, withCookie, type TestAccount, type TestApi } from '../../test/fixture.ts';

let api: TestApi;
let host: TestAccount;

const surgery = {
  title: 'Laparoscopic cholecystectomy',
  procedure: 'Cholecystectomy',
  specialty: 'General surgery',
  scheduledAt: '2026-12-01T09:30:00+08:00',
};

/** The sessions routes as the holder of `who`'s cookie. */
const as = (who: { cookie: string }) => api.client(who.cookie).sessions;
const byId = (id: string) => ({ param: { id } });

const schedule = (who = host): Promise<LiveSession> => ok(as(who).$post({ json: surgery }), 201);
const invite = (session: LiveSession, person: TestAccount, role: SessionRole, by = host) =>
  as(by)[':id'].members.$post({ ...byId(session.id), json: { email: person.user.email, role } });

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
    const list = await ok(as(host).$get());
    expect(list.sessions.map((s) => s.id)).toEqual([created.id]);
  });

  it('trainees cannot schedule', async () => {
    const trainee = await api.account('trainee');
    expect((await refused(as(trainee).$post({ json: surgery }), 403)).error.code).toBe('forbidden');
  });

  it('rejects invalid bodies with the error shape and saves nothing', async () => {
    // Sent raw: the last two are bodies the typed client will not send.
    for (const body of [
      { ...surgery, title: '' },
      { ...surgery, scheduledAt: 'tomorrow morning' },
      { ...surgery, title: 'x'.repeat(201) },
      { title: 'only a title' },
      'not an object',
    ]) {
      const { error } = await refused(api.app.request('/sessions', postJson(body, host.cookie)), 400);
      expect(error.code).toBe('invalid_request');
      expect(error.message.length).toBeGreaterThan(0);
    }
    expect((await ok(as(host).$get())).sessions).toEqual([]);
  });

  it('answers malformed JSON and bad ids with 400, unknown routes with 404, never a stack trace', async () => {
    // Sent raw: the typed client sends only well-formed JSON, and to routes that exist.
    const broken = await api.app.request('/sessions', {
      method: 'POST',
      headers: { cookie: host.cookie, 'content-type': 'application/json' },
      body: '{"title": ',
    });
    expect(broken.status).toBe(400);
    expect(await refused(as(host)[':id'].$get(byId('42')), 400)).toEqual({ error: { code: 'invalid_request', message: 'id: Invalid UUID' } });
    const nowhere = await refused(api.app.request('/nowhere', withCookie(host.cookie)), 404);
    expect(JSON.stringify(nowhere)).not.toMatch(/at .*\.ts/);
  });
});

describe('invitations and lifecycle', () => {
  it('the host invites by email with a role; the invitee sees the session in their role', async () => {
    const session = await schedule();
    const mentor = await api.account('mentor', 'Prof. Zhang');
    expect((await ok(invite(session, mentor, 'mentor'), 200)).members).toHaveLength(2);
    const theirs = await ok(as(mentor).$get());
    expect(theirs.sessions).toHaveLength(1);
    expect(theirs.sessions[0]!.myRole).toBe('mentor');
  });

  it('an unknown email is a 404 that says what to do; a non-host cannot invite', async () => {
    const session = await schedule();
    const unknown = as(host)[':id'].members.$post({ ...byId(session.id), json: { email: 'ghost@hospital.test', role: 'observer' } });
    expect((await refused(unknown, 404)).error.message).toMatch(/administrator/);
    const mentor = await api.account('mentor');
    await ok(invite(session, mentor, 'mentor'));
    const other = await api.account('trainee');
    expect((await invite(session, other, 'observer', mentor)).status).toBe(403);
  });

  it('members see each other’s names and roles; only hosts and admins see email addresses', async () => {
    const session = await schedule();
    const trainee = await api.account('trainee');
    const mentor = await api.account('mentor');
    await ok(invite(session, trainee, 'observer'));
    await ok(invite(session, mentor, 'mentor'));
    const emails = async (who: { cookie: string }) =>
      Object.fromEntries((await ok(as(who)[':id'].$get(byId(session.id)))).members.map((m) => [m.name, m.email]));
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
    expect((await as(outsider)[':id'].$get(byId(session.id))).status).toBe(404);
    const admin = await api.account('admin');
    expect((await ok(as(admin)[':id'].$get(byId(session.id)), 200)).myRole).toBeNull();
    expect((await as(admin)[':id'].$get(byId(crypto.randomUUID()))).status).toBe(404);
  });

  it('start makes it live; end closes the live room and refuses further tokens', async () => {
    const session = await schedule();
    expect(await ok(as(host)[':id'].start.$post(byId(session.id)))).toMatchObject({ status: 'live', startedAt: expect.any(String) });
    expect(await ok(as(host)[':id'].end.$post(byId(session.id)))).toMatchObject({ status: 'ended', endedAt: expect.any(String) });
    expect(api.roomCalls).toEqual([{ action: 'close', room: session.id }]);
    expect((await as(host)[':id'].token.$post({ ...byId(session.id), query: {} })).status).toBe(409);
  });

  it('removing a member takes them out of the live room at once, their second screen too, and revokes their access', async () => {
    const session = await schedule();
    const trainee = await api.account('trainee');
    const other = await api.account('trainee');
    for (const person of [trainee, other]) await ok(invite(session, person, 'observer'));
    const inRoom = (identity: string) => ({ identity, name: 'x', attributes: { role: 'observer', name: 'x' }, joinedAt: 1 });
    api.present.set(session.id, [inRoom(trainee.user.id), inRoom(`${trainee.user.id}:display:ab12cd34`), inRoom(other.user.id)]);
    const res = await as(host)[':id'].members[':userId'].$delete({ param: { id: session.id, userId: trainee.user.id } });
    expect(res.status).toBe(200);
    expect(api.roomCalls).toEqual([
      { action: 'remove', room: session.id, identity: trainee.user.id },
      { action: 'remove', room: session.id, identity: `${trainee.user.id}:display:ab12cd34` },
    ]);
    expect((await as(trainee)[':id'].token.$post({ ...byId(session.id), query: {} })).status).toBe(404);
  });

  it('a new role applies at once to whoever is in the live room with the old one', async () => {
    const session = await schedule();
    const mentor = await api.account('mentor');
    await ok(invite(session, mentor, 'mentor'));
    api.present.set(session.id, [{ identity: mentor.user.id, name: 'M', attributes: { role: 'mentor', name: 'M' }, joinedAt: 1 }]);
    await ok(invite(session, mentor, 'observer'));
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
      await ok(invite(session, people[role], role));
    }
    const ask = (who: TestAccount, identity: string) => as(who)[':id']['overlay-request'].$post({ ...byId(session.id), json: { identity } });
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
    await ok(invite(session, observer, 'observer'));
    await ok(invite(session, mentor, 'mentor'));
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await as(observer)[':id']['overlay-request'].$post({ ...byId(session.id), json: { identity: observer.user.id } })).status);
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(4);
    expect(statuses.slice(4).every((s) => s === 429)).toBe(true);
    expect(api.roomCalls.filter((c) => c.action === 'overlay')).toHaveLength(4);
  });
});
