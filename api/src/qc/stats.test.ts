/**
 * The QC figures on the hand-worked world of api/test/qc-sample.ts (its table lists each exam
 * and still). Every expected number below is worked out from that table, not from the code.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QcStats } from '@loupe/protocol';
import { createTestApi, json, sessionCookie, type TestAccount, type TestApi } from '../../test/fixture.ts';
import { hashPassword } from '../auth/password.ts';
import { joinSession, seedQcSample, type QcSample } from '../../test/qc-sample.ts';
import { auditLog, users } from '../db/schema.ts';

let api: TestApi;
let sample: QcSample;
let qcLead: TestAccount, admin: TestAccount, northMentor: TestAccount, noSite: TestAccount;

beforeAll(async () => {
  api = await createTestApi();
  [qcLead, admin, northMentor, noSite] = [await api.account('qc_lead'), await api.account('admin'), await api.account('mentor'), await api.account('trainee')];
  sample = await seedQcSample(api.db, admin.user.id);
  await api.db.update(users).set({ siteId: sample.site.north }).where(eq(users.id, northMentor.user.id));
  await joinSession(api.db, sample.session.north1, noSite.user.id);
});
afterAll(() => api.close());

const NOVEMBER = { from: '2026-11-01', to: '2026-11-30' };

async function statsAs(who: TestAccount, query: Record<string, string> = {}): Promise<QcStats> {
  const res = await api.app.request(`/qc/stats?${new URLSearchParams(query)}`, { headers: { cookie: who.cookie } });
  expect(res.status, await res.clone().text()).toBe(200);
  return QcStats.parse(await res.json());
}

describe('QC figures in November (E1–E4)', () => {
  let stats: QcStats;
  beforeAll(async () => {
    stats = await statsAs(qcLead, NOVEMBER);
  });

  it('counts exams and completes only signed ones with every required view at its minimum', () => {
    // E1 complete; E2 signed but view b has 1 of 2; E3 cancelled; E4 running.
    expect(stats.totals).toEqual({
      exams: 4,
      completed: 1,
      completionRate: 0.25,
      judged: 7,
      retakes: 2,
      repeatRate: 2 / 7,
      firstJudged: 5,
      firstAccepted: 3,
      firstPassRate: 3 / 5,
      meanScore: 18 / 5,
      meanTurnaroundS: 480_000 / 7 / 1000,
      meanExamS: 840,
    });
  });

  it('spreads turnaround and exam time by nearest rank', () => {
    // Turnarounds 10 20 40 50 60 100 200 s; exam times 540 and 1140 s.
    expect(stats.turnaround).toEqual({ count: 7, meanS: 480_000 / 7 / 1000, medianS: 50, p90S: 200 });
    expect(stats.turnaroundHistogram).toEqual([2, 2, 2, 1, 0, 0]);
    expect(stats.examTime).toEqual({ count: 2, meanS: 840, medianS: 540, p90S: 1140 });
  });

  it('gives each view its first-pass acceptance, repeat rate and mean score, named from the latest version', () => {
    expect(stats.views).toEqual([
      {
        protocolKey: 'qc-test',
        viewKey: 'a',
        name: { en: 'Alpha view, renamed', zh: '甲切面（新）' },
        exams: 3,
        stills: 4,
        judged: 4,
        accepted: 2,
        retakes: 2,
        repeatRate: 0.5,
        firstJudged: 3,
        firstAccepted: 1,
        firstPassRate: 1 / 3,
        meanScore: 3,
        meanTurnaroundS: 55,
      },
      {
        protocolKey: 'qc-test',
        viewKey: 'b',
        name: { en: 'Beta view', zh: '乙切面' },
        exams: 2,
        stills: 3,
        judged: 3,
        accepted: 3,
        retakes: 0,
        repeatRate: 0,
        firstJudged: 2,
        firstAccepted: 2,
        firstPassRate: 1,
        meanScore: 4,
        meanTurnaroundS: 260_000 / 3 / 1000,
      },
      {
        protocolKey: 'qc-two',
        viewKey: 'x',
        name: { en: 'Xray view', zh: '十切面' },
        exams: 1,
        stills: 1,
        judged: 0,
        accepted: 0,
        retakes: 0,
        repeatRate: null,
        firstJudged: 0,
        firstAccepted: 0,
        firstPassRate: null,
        meanScore: null,
        meanTurnaroundS: null,
      },
    ]);
  });

  it('has a day for each day of the period, empty ones as zeros', () => {
    expect(stats.period.bucket).toBe('day');
    expect(stats.series).toHaveLength(30);
    const busy = stats.series.filter((d) => d.exams > 0).map((d) => [d.start, d.exams, d.completed]);
    expect(busy).toEqual([
      ['2026-11-02', 1, 1],
      ['2026-11-03', 2, 0],
      ['2026-11-30', 1, 0],
    ]);
    expect(stats.series[0]).toMatchObject({ start: '2026-11-01', exams: 0, completionRate: null, meanScore: null });
  });

  it('by week, the weeks start on Monday', async () => {
    const weekly = await statsAs(qcLead, { ...NOVEMBER, bucket: 'week' });
    expect(weekly.series.map((w) => [w.start, w.exams])).toEqual([
      ['2026-10-26', 0],
      ['2026-11-02', 3],
      ['2026-11-09', 0],
      ['2026-11-16', 0],
      ['2026-11-23', 0],
      ['2026-11-30', 1],
    ]);
  });

  it('breaks down by site and by sonographer', () => {
    const site = (id: string) => stats.sites.find((s) => s.id === id);
    expect(site(sample.site.north)).toMatchObject({
      name: 'North Hospital',
      exams: 2,
      completed: 1,
      completionRate: 0.5,
      repeatRate: 1 / 6,
      firstPassRate: 3 / 4,
      meanScore: 18 / 5,
    });
    expect(site(sample.site.south)).toMatchObject({
      name: '南方医院',
      exams: 2,
      completed: 0,
      completionRate: 0,
      repeatRate: 1,
      firstPassRate: 0,
      meanScore: null,
      meanTurnaroundS: 60,
      meanExamS: null,
    });
    expect(stats.sites).toHaveLength(2);
    const person = (id: string) => stats.sonographers.find((s) => s.id === id);
    expect(person(sample.sonographer.wang)).toMatchObject({
      name: 'Wang Fang',
      exams: 1,
      completed: 1,
      repeatRate: 1 / 4,
      firstPassRate: 1 / 2,
      meanScore: 4,
      meanExamS: 540,
    });
    expect(person(sample.sonographer.li)).toMatchObject({
      name: 'Li Hua',
      exams: 1,
      completed: 0,
      repeatRate: 0,
      firstPassRate: 1,
      meanScore: 3,
      meanExamS: 1140,
    });
    expect(person(sample.sonographer.zhao)).toMatchObject({ name: 'Zhao Lei', exams: 2, completed: 0 });
    expect(stats.sonographers).toHaveLength(3);
  });
});

describe('filters', () => {
  it('by site, sonographer and protocol key (any version)', async () => {
    expect((await statsAs(qcLead, { ...NOVEMBER, site: sample.site.south })).totals).toMatchObject({ exams: 2, completed: 0, judged: 1, retakes: 1 });
    expect((await statsAs(qcLead, { ...NOVEMBER, sonographer: sample.sonographer.wang })).totals).toMatchObject({
      exams: 1,
      completed: 1,
      completionRate: 1,
      repeatRate: 1 / 4,
    });
    // qc-test runs in versions 1 (E1, E2) and 2 (E3).
    expect((await statsAs(qcLead, { ...NOVEMBER, protocol: 'qc-test' })).totals).toMatchObject({ exams: 3, completed: 1 });
    expect((await statsAs(qcLead, { ...NOVEMBER, protocol: 'qc-two' })).totals).toMatchObject({ exams: 1, completed: 0, judged: 0, repeatRate: null });
  });

  it('by period, in the reader’s time zone', async () => {
    const october = await statsAs(qcLead, { from: '2026-10-01', to: '2026-10-31' });
    expect(october.totals).toMatchObject({ exams: 1, completed: 1, meanScore: 5, meanExamS: 1740 });
    // At UTC+8, E5 (Oct 31 20:00 UTC) falls on Nov 1 and E4 (Nov 30 20:00 UTC) on Dec 1.
    const china = await statsAs(qcLead, { ...NOVEMBER, utcOffset: '480' });
    expect(china.totals).toMatchObject({ exams: 4, completed: 2 });
    expect(china.series.filter((d) => d.exams > 0).map((d) => d.start)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    // No period: every exam, by week.
    const always = await statsAs(qcLead);
    expect(always.totals).toMatchObject({ exams: 5, completed: 2 });
    expect(always.period.bucket).toBe('week');
  });

  it('refuses a period that ends before it begins, and a site that does not exist', async () => {
    const ask = (q: string) => api.app.request(`/qc/stats?${q}`, { headers: { cookie: qcLead.cookie } });
    expect((await ask('from=2026-11-02&to=2026-11-01')).status).toBe(400);
    expect((await ask(`site=${crypto.randomUUID()}`)).status).toBe(400);
    expect((await ask('from=yesterday')).status).toBe(400);
  });
});

describe('who sees which exams', () => {
  it('admins and QC leads see every site', async () => {
    expect((await statsAs(admin)).totals.exams).toBe(5);
    expect((await statsAs(qcLead)).choices.sites.map((s) => s.name).sort()).toEqual(['North Hospital', '南方医院']);
  });

  it('a mentor sees their own site only, and is refused another site’s, audited', async () => {
    const own = await statsAs(northMentor);
    expect(own.totals).toMatchObject({ exams: 3, completed: 2 });
    expect(own.sites.map((s) => s.id)).toEqual([sample.site.north]);
    expect(own.choices.sites).toEqual([{ id: sample.site.north, name: 'North Hospital' }]);
    expect((await statsAs(northMentor, { site: sample.site.north })).totals.exams).toBe(3);

    for (const path of ['/qc/stats', '/qc/stats.csv']) {
      const res = await api.app.request(`${path}?site=${sample.site.south}`, { headers: { cookie: northMentor.cookie } });
      expect(res.status).toBe(403);
      expect((await json(res)).error.code).toBe('forbidden');
    }
    const denied = await api.db.select().from(auditLog).where(eq(auditLog.targetId, sample.site.south));
    expect(denied.map((d) => [d.action, d.actorId, d.targetType])).toContainEqual(['access.denied', northMentor.user.id, 'site']);
  });

  it('per sonographer, a colleague or trainee of the site sees nobody’s figures and the sonographer their own; QC leads everyone’s', async () => {
    const trainee = await api.account('trainee');
    await api.db.update(users).set({ siteId: sample.site.north }).where(eq(users.id, trainee.user.id));
    // Wang Fang, a sonographer of North, signs in (the sample's people have no password of their own).
    const password = 'wang-fang-signs-in-for-this-test';
    await api.db
      .update(users)
      .set({ passwordHash: await hashPassword(password) })
      .where(eq(users.id, sample.sonographer.wang));
    const [wangRow] = await api.db.select().from(users).where(eq(users.id, sample.sonographer.wang));
    const wang = { cookie: sessionCookie(await api.client().auth['sign-in'].$post({ json: { email: wangRow!.email, password } })) } as TestAccount;

    for (const who of [trainee, northMentor]) {
      const seen = await statsAs(who);
      // The site's own figures stay: the exams, completion, and the site's row.
      expect(seen.totals).toMatchObject({ exams: 3, completed: 2 });
      expect(seen.sites.map((s) => s.id)).toEqual([sample.site.north]);
      expect(seen.sonographers).toEqual([]);
      expect(seen.choices.sonographers).toEqual([]);
      for (const path of ['/qc/stats', '/qc/stats.csv']) {
        const res = await api.app.request(`${path}?sonographer=${sample.sonographer.li}`, { headers: { cookie: who.cookie } });
        expect(res.status).toBe(403);
      }
      const csv = await (await api.app.request('/qc/stats.csv', { headers: { cookie: who.cookie } })).text();
      expect(csv).not.toMatch(/Li Hua|Wang Fang/);
    }
    const denied = await api.db.select().from(auditLog).where(eq(auditLog.targetId, sample.sonographer.li));
    expect(denied.filter((d) => d.action === 'access.denied').map((d) => d.actorId)).toEqual(expect.arrayContaining([trainee.user.id, northMentor.user.id]));

    const own = await statsAs(wang);
    expect(own.sonographers.map((s) => s.name)).toEqual(['Wang Fang']);
    expect(own.choices.sonographers.map((s) => s.name)).toEqual(['Wang Fang']);
    expect((await statsAs(wang, { sonographer: sample.sonographer.wang })).totals.exams).toBeGreaterThan(0);
    expect((await statsAs(qcLead)).sonographers.map((s) => s.name).sort()).toEqual(['Li Hua', 'Wang Fang', 'Zhao Lei']);
  });

  it('someone of no site sees the exams of their own sessions only, and no site filter', async () => {
    const mine = await statsAs(noSite);
    expect(mine.totals).toMatchObject({ exams: 2, completed: 1 }); // E1 and E2, in session north-1
    expect(mine.choices.sites).toEqual([]);
    const res = await api.app.request(`/qc/stats?site=${sample.site.north}`, { headers: { cookie: noSite.cookie } });
    expect(res.status).toBe(403);
  });

  it('signed out, nothing', async () => {
    expect((await api.app.request('/qc/stats')).status).toBe(401);
    expect((await api.app.request('/qc/stats.csv')).status).toBe(401);
  });
});

describe('the CSV export', () => {
  it('is UTF-8 with a BOM, a header row, a named file, and the same figures', async () => {
    const res = await api.app.request(`/qc/stats.csv?${new URLSearchParams({ ...NOVEMBER, lang: 'zh' })}`, { headers: { cookie: qcLead.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="loupe-qc_2026-11-01_2026-11-30.csv"');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'group,id,name,exams,completed,completion_rate,stills_judged,retakes,repeat_rate,first_stills_judged,first_stills_accepted,first_pass_rate,mean_score,mean_turnaround_s,mean_exam_s',
    );
    expect(lines[1]).toBe('all,,,4,1,0.25,7,2,0.2857,5,3,0.6,3.6,68.5714,840');
    expect(lines).toContain(`site,${sample.site.south},南方医院,2,0,0,1,1,1,1,0,0,,60,`);
    expect(lines).toContain('view,qc-test/a,甲切面（新）,3,,,4,2,0.5,3,1,0.3333,3,55,');
    expect(lines).toContain('day,2026-11-03,2026-11-03,2,0,0,3,1,0.3333,3,2,0.6667,3,120,1140');
    // 1 total + 30 days + 2 sites + 3 sonographers + 3 views, and the header.
    expect(lines).toHaveLength(1 + 1 + 30 + 2 + 3 + 3);
  });
});
