import { mkdir, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseQuery, GlobalRole, SessionRole, StartRecordingBody } from '@loupe/protocol';
import { TEST_RECORDER_TOKEN, createTestApi, ok, postJson, refused, withCookie, type TestAccount, type TestApi } from '../../test/fixture.ts';

let api: TestApi;
let host: TestAccount;

beforeEach(async () => {
  api = await createTestApi();
  host = await api.account('surgeon', 'Dr. Host');
});
afterEach(() => api.close());

const consent: StartRecordingBody = { consentOnFile: true, noIdentifiersInView: true };
/** The api as the holder of `who`'s cookie. */
const as = (who: TestAccount) => api.client(who.cookie);
/** The recorder's internal routes for one recording, with its token. */
const recorder = () => api.client({ authorization: `Bearer ${TEST_RECORDER_TOKEN}` }).internal.recordings[':id'];
const byId = (id: string) => ({ param: { id } });

/** A session scheduled by the host and started, with a recording running. */
async function recording(o: { title: string; procedure?: string; specialty?: string; members?: [TestAccount, SessionRole][] }) {
  const body = {
    title: o.title,
    procedure: o.procedure ?? 'Cholecystectomy',
    specialty: o.specialty ?? 'General surgery',
    scheduledAt: '2026-12-01T08:00:00Z',
  };
  const session = await ok(as(host).sessions.$post({ json: body }));
  for (const [person, role] of o.members ?? []) {
    await ok(as(host).sessions[':id'].members.$post({ ...byId(session.id), json: { email: person.user.email, role } }));
  }
  await ok(as(host).sessions[':id'].start.$post(byId(session.id)));
  return { session, recording: await ok(as(host).sessions[':id'].recording.$post({ ...byId(session.id), json: consent })) };
}

/** A session recorded and finished by "the recorder": a case with a small video file. */
async function recordedCase(o: { title: string; procedure?: string; specialty?: string; members?: [TestAccount, SessionRole][]; chapters?: string[] }) {
  const { session, recording: made } = await recording(o);
  await ok(as(host).sessions[':id'].recording.stop.$post(byId(session.id)));
  const dir = join(api.config.mediaDir, 'recordings', made.id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'case.mp4'), Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256)));
  for (const file of ['annotations.json', 'poster.jpg', 'thumbnails.jpg']) await writeFile(join(dir, file), '{}');
  const chapters = (o.chapters ?? []).map((title, i) => ({ title, atMs: i * 1000 }));
  await ok(recorder().outcome.$post({ ...byId(made.id), json: { status: 'ready', durationMs: 90_000, failure: null, chapters } }));
  const listed = (await ok(as(host).cases.$get({ query: {} }))).cases.find((c) => c.title === o.title);
  if (!listed) throw new Error(`no case titled ${o.title}`);
  return { ...listed, dir };
}

const search = async (who: TestAccount, query: Partial<Record<keyof CaseQuery, string>>) =>
  (await ok(as(who).cases.$get({ query }))).cases.map((c) => c.title).sort();

describe('the case library', () => {
  it('a stopped recording becomes a case that is ready once the recorder reports, with chapters from bookmarks', async () => {
    const made = await recordedCase({ title: 'Lap chole, difficult Calot', chapters: ['Critical view of safety', 'Bleeding controlled'] });
    expect(made.status).toBe('ready');
    expect(made.chapters.map((c) => c.title)).toEqual(['Critical view of safety', 'Bleeding controlled']);
  });

  it('finds cases by words of the title, procedure, specialty, tags, description and chapter titles', async () => {
    const mentor = await api.account('mentor', 'Prof. Curator');
    const a = await recordedCase({ title: 'Laparoscopic cholecystectomy', members: [[mentor, 'mentor']], chapters: ['Critical view of safety'] });
    await recordedCase({ title: 'Thyroid lobectomy', procedure: 'Lobectomy', specialty: 'Endocrine surgery' });
    await recordedCase({ title: 'Whipple procedure', procedure: 'Pancreaticoduodenectomy', specialty: 'HPB surgery' });
    await ok(
      as(mentor).cases[':id'].$patch({ ...byId(a.id), json: { tags: ['gallbladder', 'teaching'], description: 'Dense adhesions around the cystic duct.' } }),
    );

    expect(await search(host, { q: 'laparo' })).toEqual(['Laparoscopic cholecystectomy']);
    expect(await search(host, { q: 'endocrine' })).toEqual(['Thyroid lobectomy']);
    expect(await search(host, { q: 'gallbladder' })).toEqual(['Laparoscopic cholecystectomy']);
    expect(await search(host, { q: 'cystic duct' })).toEqual(['Laparoscopic cholecystectomy']);
    expect(await search(host, { q: 'critical view' })).toEqual(['Laparoscopic cholecystectomy']);
    expect(await search(host, { q: 'pancreat' })).toEqual(['Whipple procedure']);
    expect(await search(host, { q: 'surgery' })).toEqual(['Laparoscopic cholecystectomy', 'Thyroid lobectomy', 'Whipple procedure']);
    expect(await search(host, { q: 'thyroid pancreat' })).toEqual([]);
    expect(await search(host, { specialty: 'HPB surgery' })).toEqual(['Whipple procedure']);
    // FTS5 syntax typed by a person is only text: no error, no match-all.
    expect(await search(host, { q: '" OR * NEAR( title:' })).toEqual([]);
    expect((await as(host).cases.$get({ query: { q: '"unbalanced' } })).status).toBe(200);
    // Control characters are no words: a NUL in the address finds what the words beside it find.
    expect(await search(host, { q: '\0' })).toEqual(['Laparoscopic cholecystectomy', 'Thyroid lobectomy', 'Whipple procedure']);
    expect(await search(host, { q: 'laparo\0' })).toEqual(['Laparoscopic cholecystectomy']);
  });

  it('search follows a case through its life: made, chaptered, retitled, deleted', async () => {
    const { session, recording: started } = await recording({ title: 'Nissen fundoplication', procedure: 'Fundoplication', specialty: 'Upper GI' });
    await ok(as(host).sessions[':id'].recording.stop.$post(byId(session.id)));
    expect(await search(host, { q: 'nissen' })).toEqual(['Nissen fundoplication']);
    const [made] = (await ok(as(host).cases.$get({ query: { q: 'nissen' } }))).cases;
    expect(made).toMatchObject({ status: 'processing', durationMs: null, failure: null });
    const theCase = byId(made!.id);

    // The recorder still writes its media: the case cannot be deleted yet.
    expect((await refused(as(host).cases[':id'].$delete(theCase), 409)).error.reason).toBe('case_processing');

    expect((await recorder().finalising.$post(byId(started.id))).status).toBe(204);
    const chapters = [{ title: 'Crural repair', atMs: 1000 }];
    expect((await recorder().outcome.$post({ ...byId(started.id), json: { status: 'ready', durationMs: 42_000, failure: null, chapters } })).status).toBe(204);
    expect(await search(host, { q: 'crural' })).toEqual(['Nissen fundoplication']);
    // Its duration is its recording's, the one stored.
    const shown = await ok(as(host).cases[':id'].$get(theCase));
    const stored = await ok(as(host).sessions[':id'].recording.$get(byId(session.id)));
    expect([shown.durationMs, stored.durationMs]).toEqual([42_000, 42_000]);

    await ok(as(host).cases[':id'].$patch({ ...theCase, json: { title: 'Toupet wrap', learningPoints: 'Short oesophagus' } }));
    expect(await search(host, { q: 'toupet' })).toEqual(['Toupet wrap']);
    expect(await search(host, { q: 'oesophagus' })).toEqual(['Toupet wrap']);
    expect(await search(host, { q: 'nissen' })).toEqual([]);
    expect(await search(host, { q: 'crural' })).toEqual(['Toupet wrap']);

    expect((await as(host).cases[':id'].$delete(theCase)).status).toBe(204);
    for (const q of ['toupet', 'crural', 'fundoplication']) expect(await search(host, { q }), q).toEqual([]);
  });

  it('a failed recording’s case shows the reason its recording failed', async () => {
    const { recording: started } = await recording({ title: 'Hernia repair', procedure: 'Hernia repair' });
    await ok(
      recorder().outcome.$post({ ...byId(started.id), json: { status: 'failed', durationMs: null, failure: 'No space left on the recorder', chapters: [] } }),
    );
    const [made] = (await ok(as(host).cases.$get({ query: { q: 'hernia' } }))).cases;
    expect(made).toMatchObject({ status: 'failed', failure: 'No space left on the recorder', durationMs: null });
    expect((await as(host).cases[':id'].$delete(byId(made!.id))).status).toBe(204);
  });

  it('a search matching more than it looks at keeps the newest matches and says it was capped', async () => {
    for (const n of [1, 2, 3]) await recordedCase({ title: `Appendectomy ${n}` });
    const { listCases } = await import('./queries.ts');
    const full = await listCases(api.db, host.user, { q: 'appendectomy', page: 1, pageSize: 20 });
    expect(full).toMatchObject({ total: 3, capped: false });
    const capped = await listCases(api.db, host.user, { q: 'appendectomy', page: 1, pageSize: 20 }, 2);
    expect(capped).toMatchObject({ total: 2, capped: true });
    expect(capped.rows.map((r) => r.title).sort()).toEqual(['Appendectomy 2', 'Appendectomy 3']);
  });

  it('pages through results', async () => {
    for (const n of [1, 2, 3]) await recordedCase({ title: `Case ${n}` });
    const page = await ok(as(host).cases.$get({ query: { pageSize: '2', page: '2' } }));
    expect(page).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page.cases).toHaveLength(1);
    expect((await as(host).cases.$get({ query: { pageSize: '500' } })).status).toBe(400);
  });
});

describe('who may see and change a case', () => {
  const person = (role: GlobalRole) => api.account(role);
  const file = (id: string, file: 'case.mp4' | 'annotations.json' | 'poster.jpg' | 'thumbnails.jpg') => ({ param: { id, file } });

  it('private cases are seen by the session’s people and admins only; published ones by every trainee', async () => {
    const observer = await person('trainee');
    const outsider = await person('trainee');
    const admin = await person('admin');
    const made = await recordedCase({ title: 'Private case', members: [[observer, 'observer']] });
    for (const [who, can] of [
      [host, true],
      [observer, true],
      [admin, true],
      [outsider, false],
    ] as const) {
      expect((await as(who).cases[':id'].$get(byId(made.id))).status, who.user.name).toBe(can ? 200 : 404);
      for (const name of ['case.mp4', 'annotations.json', 'poster.jpg', 'thumbnails.jpg'] as const) {
        const res = await as(who).cases[':id'].media[':file'].$get(file(made.id, name));
        expect(res.status, `${who.user.name} ${name}`).toBe(can ? 200 : 404);
      }
      expect(await search(who, { q: 'private' }), who.user.name).toEqual(can ? ['Private case'] : []);
    }
    expect((await api.client().cases[':id'].media[':file'].$get(file(made.id, 'case.mp4'))).status).toBe(401);

    await ok(as(host).cases[':id'].$patch({ ...byId(made.id), json: { published: true } }));
    expect((await as(outsider).cases[':id'].$get(byId(made.id))).status).toBe(200);
    expect((await as(outsider).cases[':id'].media[':file'].$get(file(made.id, 'case.mp4'))).status).toBe(200);
    expect(await search(outsider, { q: 'private' })).toEqual(['Private case']);
  });

  it('the library and the case itself agree on who may edit: a mentor who only watched that session may not', async () => {
    const watched = await person('mentor');
    const mentored = await person('mentor');
    const made = await recordedCase({
      title: 'Agreed',
      members: [
        [watched, 'observer'],
        [mentored, 'mentor'],
      ],
    });
    for (const [who, may] of [
      [watched, false],
      [mentored, true],
      [host, true],
    ] as const) {
      const listed = (await ok(as(who).cases.$get({ query: {} }))).cases.find((c) => c.id === made.id);
      const own = await ok(as(who).cases[':id'].$get(byId(made.id)));
      const edit = await as(who).cases[':id'].$patch({ ...byId(made.id), json: { tags: ['checked'] } });
      expect([listed?.canEdit, own.canEdit, edit.status === 200]).toEqual([may, may, may]);
    }
  });

  it('observers and trainees cannot edit or delete; the host can, and deleting removes the media files', async () => {
    const observer = await person('trainee');
    const made = await recordedCase({ title: 'To delete', members: [[observer, 'observer']] });
    expect((await as(observer).cases[':id'].$patch({ ...byId(made.id), json: { title: 'Mine now' } })).status).toBe(403);
    expect((await as(observer).cases[':id'].$delete(byId(made.id))).status).toBe(403);
    expect((await as(host).cases[':id'].$delete(byId(made.id))).status).toBe(204);
    await expect(access(made.dir)).rejects.toThrow();
    expect((await as(host).cases[':id'].$get(byId(made.id))).status).toBe(404);
    expect(await search(host, { q: 'delete' })).toEqual([]);
  });

  it('rejects bad edits with the error shape and changes nothing', async () => {
    const made = await recordedCase({ title: 'Stable' });
    // Sent raw: `published: 'yes'` is a body the typed client will not send.
    for (const body of [{ title: '' }, { tags: ['x'.repeat(41)] }, { published: 'yes' }, { title: 'x'.repeat(201) }, {}]) {
      const res = await api.app.request(`/cases/${made.id}`, postJson(body, host.cookie, 'PATCH'));
      expect((await refused(res, 400)).error.code).toBe('invalid_request');
    }
    // No body at all reads as an empty edit (it used to fail inside the database layer: a 500).
    // Sent raw: the typed client always sends a body.
    const bodiless = await api.app.request(`/cases/${made.id}`, withCookie(host.cookie, 'PATCH'));
    expect(await refused(bodiless, 400)).toEqual({ error: { code: 'invalid_request', message: 'Nothing to change' } });
    expect((await ok(as(host).cases[':id'].$get(byId(made.id)))).title).toBe('Stable');
    // Sent raw: the typed client sends only the file names the route knows.
    expect((await api.app.request(`/cases/${made.id}/media/..%2F..%2Fsecrets.env`, withCookie(host.cookie))).status).toBe(400);
  });
});

describe('case media', () => {
  it('serves byte ranges for seeking', async () => {
    const made = await recordedCase({ title: 'Ranges' });
    const get = (range?: string) =>
      as(host).cases[':id'].media[':file'].$get({ param: { id: made.id, file: 'case.mp4' } }, { headers: range ? { range } : {} });
    const whole = await get();
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect((await whole.arrayBuffer()).byteLength).toBe(1000);

    const part = await get('bytes=100-199');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/1000');
    const bytes = new Uint8Array(await part.arrayBuffer());
    expect(bytes).toHaveLength(100);
    expect(bytes[0]).toBe(100);

    const tail = await get('bytes=-10');
    expect(tail.headers.get('content-range')).toBe('bytes 990-999/1000');
    const open = await get('bytes=995-');
    expect(open.headers.get('content-range')).toBe('bytes 995-999/1000');
    for (const range of ['bytes=2000-3000', 'lines=1-2']) {
      const res = await get(range);
      expect(res.headers.get('content-range')).toBe('bytes */1000');
      expect((await refused(res, 416)).error.code).toBe('invalid_request');
    }
  });

  it('serves a source’s video (issue 16) behind the same check, and refuses names that are not one', async () => {
    const made = await recordedCase({ title: 'Several pictures' });
    await writeFile(join(made.dir, 'source-0.mp4'), Buffer.alloc(300, 7));
    const source = await api.app.request(`/cases/${made.id}/media/source-0.mp4`, { headers: { cookie: host.cookie, range: 'bytes=0-99' } });
    expect(source.status).toBe(206);
    expect(source.headers.get('content-type')).toBe('video/mp4');
    expect(source.headers.get('content-range')).toBe('bytes 0-99/300');
    expect((await api.app.request(`/cases/${made.id}/media/source-0.mp4`)).status).toBe(401);
    expect((await refused(await api.app.request(`/cases/${made.id}/media/source-1.mp4`, withCookie(host.cookie)), 404)).error.code).toBe('not_found');
    for (const bad of ['source-x.mp4', 'source-0.mov', 'source-0.mp4.partial.mp4', 'sources%2F0%2Fseg_00000.mp4']) {
      expect((await api.app.request(`/cases/${made.id}/media/${bad}`, withCookie(host.cookie))).status, bad).toBe(400);
    }
  });
});
