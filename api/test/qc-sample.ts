/**
 * A small world of ultrasound exams whose QC figures are worked out by hand (api/src/qc/stats.test.ts
 * lists them), written straight to the database: two sites, three sonographers, two protocols
 * (one in two versions), five exams in every state, and stills with verdicts at known times.
 *
 * | exam | site  | sonographer | protocol     | status    | started (UTC)    | stills (view: verdict score after seconds)            |
 * | E1   | North | Wang Fang   | qc-test v1   | signed    | 2026-11-02 09:00 | a: retake 20 s, accepted 4 40 s; b: 5 10 s, 3 50 s   |
 * | E2   | North | Li Hua      | qc-test v1   | signed    | 2026-11-03 10:00 | a: accepted 2 100 s; b: accepted 4 200 s (b needs 2) |
 * | E3   | 南方  | Zhao Lei    | qc-test v2   | cancelled | 2026-11-03 11:00 | a: retake 60 s; a freeze frame                       |
 * | E4   | 南方  | Zhao Lei    | qc-two v1    | running   | 2026-11-30 20:00 | x: pending                                           |
 * | E5   | North | Wang Fang   | qc-test v1   | signed    | 2026-10-31 20:00 | a: accepted 5 5 s; b: 5 5 s, 5 5 s                   |
 * E1 is signed 10 min after it starts, its first still at 1 min (540 s); E2 at 20 min (1140 s); E5 at 30 min (1740 s).
 * E1, E2 are in session "north-1", E5 in "north-2", E3 and E4 in "south".
 */
import type { ScanView, Words } from '@loupe/protocol';
import type { Db } from '../src/db/client.ts';
import { exams, liveSessions, scanProtocols, sessionMembers, sites, stills, users } from '../src/db/schema.ts';

const words = (en: string, zh = en): Words => ({ en, zh });
const view = (key: string, name: Words, required: boolean, min: number, max = 3): ScanView => ({ key, name, required, min, max, acceptance: words('Clear') });

const VIEWS_V1 = [
  view('a', words('Alpha view', '甲切面'), true, 1),
  view('b', words('Beta view', '乙切面'), true, 2),
  view('c', words('Gamma view'), false, 0),
];
/** Version 2 renames view a: the statistics name views from the latest version. */
const VIEWS_V2 = [view('a', words('Alpha view, renamed', '甲切面（新）'), true, 1), ...VIEWS_V1.slice(1)];

type StillPlan = { view: string; minute: number; verdict: 'pending' | 'accepted' | 'retake'; score?: number; afterS?: number; kind?: 'freeze' };
type ExamPlan = {
  name: string;
  site: 'north' | 'south';
  sonographer: 'wang' | 'li' | 'zhao';
  session: 'north1' | 'north2' | 'south';
  protocol: [string, number];
  status: 'running' | 'signed' | 'cancelled';
  start: number;
  signedAfterMin?: number;
  stills: StillPlan[];
};

const at = (day: string, time: string) => Date.parse(`${day}T${time}:00Z`);

export const QC_EXAMS: ExamPlan[] = [
  {
    name: 'E1',
    site: 'north',
    sonographer: 'wang',
    session: 'north1',
    protocol: ['qc-test', 1],
    status: 'signed',
    start: at('2026-11-02', '09:00'),
    signedAfterMin: 10,
    stills: [
      { view: 'a', minute: 1, verdict: 'retake', afterS: 20 },
      { view: 'a', minute: 2, verdict: 'accepted', score: 4, afterS: 40 },
      { view: 'b', minute: 3, verdict: 'accepted', score: 5, afterS: 10 },
      { view: 'b', minute: 4, verdict: 'accepted', score: 3, afterS: 50 },
    ],
  },
  {
    name: 'E2',
    site: 'north',
    sonographer: 'li',
    session: 'north1',
    protocol: ['qc-test', 1],
    status: 'signed',
    start: at('2026-11-03', '10:00'),
    signedAfterMin: 20,
    stills: [
      { view: 'a', minute: 1, verdict: 'accepted', score: 2, afterS: 100 },
      { view: 'b', minute: 2, verdict: 'accepted', score: 4, afterS: 200 },
    ],
  },
  {
    name: 'E3',
    site: 'south',
    sonographer: 'zhao',
    session: 'south',
    protocol: ['qc-test', 2],
    status: 'cancelled',
    start: at('2026-11-03', '11:00'),
    stills: [
      { view: 'a', minute: 1, verdict: 'retake', afterS: 60 },
      { view: 'a', minute: 2, verdict: 'pending', kind: 'freeze' },
    ],
  },
  {
    name: 'E4',
    site: 'south',
    sonographer: 'zhao',
    session: 'south',
    protocol: ['qc-two', 1],
    status: 'running',
    start: at('2026-11-30', '20:00'),
    stills: [{ view: 'x', minute: 1, verdict: 'pending' }],
  },
  {
    name: 'E5',
    site: 'north',
    sonographer: 'wang',
    session: 'north2',
    protocol: ['qc-test', 1],
    status: 'signed',
    start: at('2026-10-31', '20:00'),
    signedAfterMin: 30,
    stills: [
      { view: 'a', minute: 1, verdict: 'accepted', score: 5, afterS: 5 },
      { view: 'b', minute: 2, verdict: 'accepted', score: 5, afterS: 5 },
      { view: 'b', minute: 3, verdict: 'accepted', score: 5, afterS: 5 },
    ],
  },
];

export type QcSample = Awaited<ReturnType<typeof seedQcSample>>;

/** Writes the world above; `reviewer` is the account that starts exams and gives verdicts. Returns the ids. */
export async function seedQcSample(db: Db, reviewer: string) {
  const id = () => crypto.randomUUID();
  const site = { north: id(), south: id() };
  await db.insert(sites).values([
    { id: site.north, name: 'North Hospital', kind: 'hospital' },
    { id: site.south, name: '南方医院', kind: 'hospital' },
  ]);
  const sonographer = { wang: id(), li: id(), zhao: id() };
  const person = (key: keyof typeof sonographer, name: string, siteId: string) => ({
    id: sonographer[key],
    email: `${key}-${sonographer[key].slice(0, 8)}@hospital.test`,
    name,
    role: 'surgeon' as const,
    passwordHash: 'not a hash: these accounts never sign in',
    siteId,
  });
  await db.insert(users).values([person('wang', 'Wang Fang', site.north), person('li', 'Li Hua', site.north), person('zhao', 'Zhao Lei', site.south)]);
  const protocol = (key: string, version: number, views: ScanView[]) => ({ key, version, examType: 'other' as const, name: words(key), source: 'test', views });
  await db
    .insert(scanProtocols)
    .values([protocol('qc-test', 1, VIEWS_V1), protocol('qc-test', 2, VIEWS_V2), protocol('qc-two', 1, [view('x', words('Xray view', '十切面'), true, 1)])]);
  const session = { north1: id(), north2: id(), south: id() };
  await db.insert(liveSessions).values(
    Object.entries(session).map(([key, sessionId]) => ({
      id: sessionId,
      title: `QC ${key}`,
      procedure: 'Ultrasound',
      specialty: 'Emergency',
      scheduledAt: new Date(at('2026-10-01', '08:00')),
      kind: 'ultrasound' as const,
      siteId: key === 'south' ? site.south : site.north,
      createdBy: reviewer,
    })),
  );
  const examIds: Record<string, string> = {};
  for (const plan of QC_EXAMS) {
    const examId = (examIds[plan.name] = id());
    await db.insert(exams).values({
      id: examId,
      sessionId: session[plan.session],
      protocolKey: plan.protocol[0],
      protocolVersion: plan.protocol[1],
      status: plan.status,
      siteId: site[plan.site],
      sonographerId: sonographer[plan.sonographer],
      studyUid: '2.25.1',
      seriesUid: '2.25.2',
      startedBy: reviewer,
      startedAt: new Date(plan.start),
      signedBy: plan.signedAfterMin ? reviewer : null,
      signedAt: plan.signedAfterMin ? new Date(plan.start + plan.signedAfterMin * 60_000) : null,
    });
    await db.insert(stills).values(
      plan.stills.map((s) => {
        const capturedAt = plan.start + s.minute * 60_000;
        const judged = s.verdict !== 'pending';
        return {
          id: id(),
          sessionId: session[plan.session],
          examId,
          viewKey: s.kind === 'freeze' ? null : s.view,
          kind: s.kind ?? ('capture' as const),
          // Each still its own image: the same bytes twice for a view would be one still (stills_once_idx).
          sha256: crypto.randomUUID().replaceAll('-', '').padEnd(64, '0'),
          width: 1920,
          height: 1080,
          bytes: 1000,
          capturedBy: sonographer[plan.sonographer],
          capturedAt: new Date(capturedAt),
          verdict: s.verdict,
          score: s.score ?? null,
          reason: s.verdict === 'retake' ? ('wrong_plane' as const) : null,
          verdictBy: judged ? reviewer : null,
          verdictAt: judged ? new Date(capturedAt + (s.afterS ?? 0) * 1000) : null,
          sopInstanceUid: '2.25.3',
        };
      }),
    );
  }
  return { site, sonographer, session, exams: examIds };
}

/** Makes `userId` a member (observer) of the session `session`. */
export async function joinSession(db: Db, sessionId: string, userId: string) {
  await db.insert(sessionMembers).values({ sessionId, userId, role: 'observer' });
}
