import { mkdir, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GlobalRole, SessionRole } from '@loupe/protocol';
import { TEST_RECORDER_TOKEN, createTestApi, json, postJson, withCookie, type TestAccount, type TestApi } from '../../test/fixture.ts';

let api: TestApi;
let host: TestAccount;

beforeEach(async () => {
  api = await createTestApi();
  host = await api.account('surgeon', 'Dr. Host');
});
afterEach(() => api.close());

const consent = { consentOnFile: true, noIdentifiersInView: true };

/** A session recorded and finished by "the recorder": a case with a small video file. */
async function recordedCase(o: { title: string; procedure?: string; specialty?: string; members?: [TestAccount, SessionRole][]; chapters?: string[] }) {
  const session = await json(
    await api.app.request(
      '/sessions',
      postJson(
        { title: o.title, procedure: o.procedure ?? 'Cholecystectomy', specialty: o.specialty ?? 'General surgery', scheduledAt: '2026-12-01T08:00:00Z' },
        host.cookie,
      ),
    ),
  );
  for (const [person, role] of o.members ?? []) {
    await api.app.request(`/sessions/${session.id}/members`, postJson({ email: person.user.email, role }, host.cookie));
  }
  await api.app.request(`/sessions/${session.id}/start`, withCookie(host.cookie, 'POST'));
  const recording = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
  await api.app.request(`/sessions/${session.id}/recording/stop`, withCookie(host.cookie, 'POST'));
  const dir = join(api.config.mediaDir, 'recordings', recording.id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'case.mp4'), Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256)));
  for (const file of ['annotations.json', 'poster.jpg', 'thumbnails.jpg']) await writeFile(join(dir, file), '{}');
  await api.app.request(`/internal/recordings/${recording.id}/outcome`, {
    ...postJson({ status: 'ready', durationMs: 90_000, failure: null, chapters: (o.chapters ?? []).map((title, i) => ({ title, atMs: i * 1000 })) }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_RECORDER_TOKEN}` },
  });
  const list = await json(await api.app.request('/cases', withCookie(host.cookie)));
  const made = list.cases.find((c: { title: string }) => c.title === o.title);
  return { ...made, dir } as { id: string; dir: string; status: string; chapters: { title: string }[] };
}

const search = async (who: TestAccount, query: string) =>
  (await json(await api.app.request(`/cases?${query}`, withCookie(who.cookie)))).cases.map((c: { title: string }) => c.title).sort();

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
    await api.app.request(
      `/cases/${a.id}`,
      postJson({ tags: ['gallbladder', 'teaching'], description: 'Dense adhesions around the cystic duct.' }, mentor.cookie, 'PATCH'),
    );

    expect(await search(host, 'q=laparo')).toEqual(['Laparoscopic cholecystectomy']);
    expect(await search(host, 'q=endocrine')).toEqual(['Thyroid lobectomy']);
    expect(await search(host, 'q=gallbladder')).toEqual(['Laparoscopic cholecystectomy']);
    expect(await search(host, 'q=cystic%20duct')).toEqual(['Laparoscopic cholecystectomy']);
    expect(await search(host, 'q=critical%20view')).toEqual(['Laparoscopic cholecystectomy']);
    expect(await search(host, 'q=pancreat')).toEqual(['Whipple procedure']);
    expect(await search(host, 'q=surgery')).toEqual(['Laparoscopic cholecystectomy', 'Thyroid lobectomy', 'Whipple procedure']);
    expect(await search(host, 'q=thyroid%20pancreat')).toEqual([]);
    expect(await search(host, 'specialty=HPB%20surgery')).toEqual(['Whipple procedure']);
    // FTS5 syntax typed by a person is only text: no error, no match-all.
    expect(await search(host, `q=${encodeURIComponent('" OR * NEAR( title:')}`)).toEqual([]);
    const res = await api.app.request(`/cases?q=${encodeURIComponent('"unbalanced')}`, withCookie(host.cookie));
    expect(res.status).toBe(200);
    // Control characters are no words: a NUL in the address finds what the words beside it find.
    expect(await search(host, 'q=%00')).toEqual(['Laparoscopic cholecystectomy', 'Thyroid lobectomy', 'Whipple procedure']);
    expect(await search(host, 'q=laparo%00')).toEqual(['Laparoscopic cholecystectomy']);
  });

  it('search follows a case through its life: made, chaptered, retitled, deleted', async () => {
    const recorder = (path: string, body?: unknown) =>
      api.app.request(`/internal/recordings/${path}`, {
        ...postJson(body ?? {}),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_RECORDER_TOKEN}` },
      });
    const session = await json(
      await api.app.request(
        '/sessions',
        postJson({ title: 'Nissen fundoplication', procedure: 'Fundoplication', specialty: 'Upper GI', scheduledAt: '2026-12-01T08:00:00Z' }, host.cookie),
      ),
    );
    await api.app.request(`/sessions/${session.id}/start`, withCookie(host.cookie, 'POST'));
    const recording = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
    await api.app.request(`/sessions/${session.id}/recording/stop`, withCookie(host.cookie, 'POST'));
    expect(await search(host, 'q=nissen')).toEqual(['Nissen fundoplication']);
    const [made] = (await json(await api.app.request('/cases?q=nissen', withCookie(host.cookie)))).cases;
    expect(made).toMatchObject({ status: 'processing', durationMs: null, failure: null });

    // The recorder still writes its media: the case cannot be deleted yet.
    const early = await api.app.request(`/cases/${made.id}`, withCookie(host.cookie, 'DELETE'));
    expect(early.status).toBe(409);
    expect((await json(early)).error.reason).toBe('case_processing');

    expect((await recorder(`${recording.id}/finalising`)).status).toBe(204);
    const chapters = [{ title: 'Crural repair', atMs: 1000 }];
    expect((await recorder(`${recording.id}/outcome`, { status: 'ready', durationMs: 42_000, failure: null, chapters })).status).toBe(204);
    expect(await search(host, 'q=crural')).toEqual(['Nissen fundoplication']);
    // Its duration is its recording's, the one stored.
    const shown = await json(await api.app.request(`/cases/${made.id}`, withCookie(host.cookie)));
    const stored = await json(await api.app.request(`/sessions/${session.id}/recording`, withCookie(host.cookie)));
    expect([shown.durationMs, stored.durationMs]).toEqual([42_000, 42_000]);

    await api.app.request(`/cases/${made.id}`, postJson({ title: 'Toupet wrap', learningPoints: 'Short oesophagus' }, host.cookie, 'PATCH'));
    expect(await search(host, 'q=toupet')).toEqual(['Toupet wrap']);
    expect(await search(host, 'q=oesophagus')).toEqual(['Toupet wrap']);
    expect(await search(host, 'q=nissen')).toEqual([]);
    expect(await search(host, 'q=crural')).toEqual(['Toupet wrap']);

    expect((await api.app.request(`/cases/${made.id}`, withCookie(host.cookie, 'DELETE'))).status).toBe(204);
    for (const q of ['toupet', 'crural', 'fundoplication']) expect(await search(host, `q=${q}`), q).toEqual([]);
  });

  it('a failed recording’s case shows the reason its recording failed', async () => {
    const session = await json(
      await api.app.request(
        '/sessions',
        postJson({ title: 'Hernia repair', procedure: 'Hernia repair', specialty: 'General surgery', scheduledAt: '2026-12-01T08:00:00Z' }, host.cookie),
      ),
    );
    await api.app.request(`/sessions/${session.id}/start`, withCookie(host.cookie, 'POST'));
    const recording = await json(await api.app.request(`/sessions/${session.id}/recording`, postJson(consent, host.cookie)));
    await api.app.request(`/internal/recordings/${recording.id}/outcome`, {
      ...postJson({ status: 'failed', durationMs: null, failure: 'No space left on the recorder', chapters: [] }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_RECORDER_TOKEN}` },
    });
    const [made] = (await json(await api.app.request('/cases?q=hernia', withCookie(host.cookie)))).cases;
    expect(made).toMatchObject({ status: 'failed', failure: 'No space left on the recorder', durationMs: null });
    expect((await api.app.request(`/cases/${made.id}`, withCookie(host.cookie, 'DELETE'))).status).toBe(204);
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
    const page = await json(await api.app.request('/cases?pageSize=2&page=2', withCookie(host.cookie)));
    expect(page).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page.cases).toHaveLength(1);
    expect((await api.app.request('/cases?pageSize=500', withCookie(host.cookie))).status).toBe(400);
  });
});

describe('who may see and change a case', () => {
  const person = (role: GlobalRole) => api.account(role);

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
      expect((await api.app.request(`/cases/${made.id}`, withCookie(who.cookie))).status, who.user.name).toBe(can ? 200 : 404);
      for (const file of ['case.mp4', 'annotations.json', 'poster.jpg', 'thumbnails.jpg']) {
        const res = await api.app.request(`/cases/${made.id}/media/${file}`, withCookie(who.cookie));
        expect(res.status, `${who.user.name} ${file}`).toBe(can ? 200 : 404);
      }
      expect(await search(who, 'q=private'), who.user.name).toEqual(can ? ['Private case'] : []);
    }
    expect((await api.app.request(`/cases/${made.id}/media/case.mp4`)).status).toBe(401);

    await api.app.request(`/cases/${made.id}`, postJson({ published: true }, host.cookie, 'PATCH'));
    expect((await api.app.request(`/cases/${made.id}`, withCookie(outsider.cookie))).status).toBe(200);
    expect((await api.app.request(`/cases/${made.id}/media/case.mp4`, withCookie(outsider.cookie))).status).toBe(200);
    expect(await search(outsider, 'q=private')).toEqual(['Private case']);
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
      const listed = (await json(await api.app.request('/cases', withCookie(who.cookie)))).cases.find((c: { id: string }) => c.id === made.id);
      const own = await json(await api.app.request(`/cases/${made.id}`, withCookie(who.cookie)));
      const edit = await api.app.request(`/cases/${made.id}`, postJson({ tags: ['checked'] }, who.cookie, 'PATCH'));
      expect([listed.canEdit, own.canEdit, edit.status === 200]).toEqual([may, may, may]);
    }
  });

  it('observers and trainees cannot edit or delete; the host can, and deleting removes the media files', async () => {
    const observer = await person('trainee');
    const made = await recordedCase({ title: 'To delete', members: [[observer, 'observer']] });
    expect((await api.app.request(`/cases/${made.id}`, postJson({ title: 'Mine now' }, observer.cookie, 'PATCH'))).status).toBe(403);
    expect((await api.app.request(`/cases/${made.id}`, withCookie(observer.cookie, 'DELETE'))).status).toBe(403);
    expect((await api.app.request(`/cases/${made.id}`, withCookie(host.cookie, 'DELETE'))).status).toBe(204);
    await expect(access(made.dir)).rejects.toThrow();
    expect((await api.app.request(`/cases/${made.id}`, withCookie(host.cookie))).status).toBe(404);
    expect(await search(host, 'q=delete')).toEqual([]);
  });

  it('rejects bad edits with the error shape and changes nothing', async () => {
    const made = await recordedCase({ title: 'Stable' });
    for (const body of [{ title: '' }, { tags: ['x'.repeat(41)] }, { published: 'yes' }, { title: 'x'.repeat(201) }, {}]) {
      const res = await api.app.request(`/cases/${made.id}`, postJson(body, host.cookie, 'PATCH'));
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe('invalid_request');
    }
    // No body at all reads as an empty edit (it used to fail inside the database layer: a 500).
    const bodiless = await api.app.request(`/cases/${made.id}`, withCookie(host.cookie, 'PATCH'));
    expect(await json(bodiless)).toEqual({ error: { code: 'invalid_request', message: 'Nothing to change' } });
    expect((await json(await api.app.request(`/cases/${made.id}`, withCookie(host.cookie)))).title).toBe('Stable');
    expect((await api.app.request(`/cases/${made.id}/media/..%2F..%2Fsecrets.env`, withCookie(host.cookie))).status).toBe(400);
  });
});

describe('case media', () => {
  it('serves byte ranges for seeking', async () => {
    const made = await recordedCase({ title: 'Ranges' });
    const get = (range?: string) => api.app.request(`/cases/${made.id}/media/case.mp4`, { headers: { cookie: host.cookie, ...(range ? { range } : {}) } });
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
      const refused = await get(range);
      expect(refused.status).toBe(416);
      expect(refused.headers.get('content-range')).toBe('bytes */1000');
      expect((await json(refused)).error.code).toBe('invalid_request');
    }
  });
});
