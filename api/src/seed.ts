/**
 * The demo seed run by `make start`: two sites (a county hospital and the provincial ultrasound
 * QC centre that reviews its scans), five accounts (admin, mentor, surgeon, trainee, QC lead) in
 * them, a scheduled surgery session and a scheduled remote ultrasound session with them invited
 * in their roles; the surgery session has the demo patient monitor's bed (DEMO_MONITOR_BED) bound. Demo passwords are generated afresh at every run and printed, never stored in
 * source. Idempotent otherwise.
 */
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { DEMO_MONITOR_BED, configOrExit, type GlobalRole, type SessionKind, type SessionRole, type SiteKind } from '@loupe/protocol';
import { openDb, type Db } from './db/client.ts';
import { migrateDb } from './db/migrate.ts';
import { liveSessions, sessionMembers, sessionVitals, sites, users } from './db/schema.ts';
import { hashPassword } from './auth/password.ts';

const DEMO_DOMAIN = 'demo.loupe.local';

const DEMO_SITES: Record<'hospital' | 'centre', { name: string; kind: SiteKind }> = {
  hospital: { name: 'Hengshan County People’s Hospital', kind: 'hospital' },
  centre: { name: 'Provincial Ultrasound QC Centre', kind: 'centre' },
};
type DemoSite = keyof typeof DEMO_SITES;

/** The admin belongs to no site: they run the installation, and see every site's sessions. */
const DEMO_PEOPLE: { key: string; name: string; role: GlobalRole; site: DemoSite | null }[] = [
  { key: 'admin', name: 'Dr. Lin Wei (admin)', role: 'admin', site: null },
  { key: 'mentor', name: 'Prof. Zhang Min', role: 'mentor', site: 'centre' },
  { key: 'surgeon', name: 'Dr. Chen Hao', role: 'surgeon', site: 'hospital' },
  { key: 'trainee', name: 'Li Na', role: 'trainee', site: 'hospital' },
  { key: 'qc_lead', name: 'Dr. Wang Fang (QC lead)', role: 'qc_lead', site: 'centre' },
];

type DemoSession = {
  title: string;
  procedure: string;
  specialty: string;
  kind: SessionKind;
  inMinutes: number;
  sites?: { scans: DemoSite; reviews: DemoSite };
  /** The bed whose monitor feeds the session (`make start` runs the simulator as it). */
  monitor?: string;
  /** Session role of each person invited, by their key in DEMO_PEOPLE. */
  members: Record<string, SessionRole>;
};

const DEMO_SESSIONS: DemoSession[] = [
  {
    title: 'Demo: laparoscopic cholecystectomy, teaching session',
    procedure: 'Laparoscopic cholecystectomy',
    specialty: 'General surgery',
    kind: 'surgery',
    inMinutes: 60,
    monitor: DEMO_MONITOR_BED,
    members: { admin: 'host', mentor: 'mentor', surgeon: 'theatre', trainee: 'observer' },
  },
  {
    title: 'Demo: remote thyroid ultrasound, Hengshan with the QC centre',
    procedure: 'Thyroid ultrasound',
    specialty: 'Ultrasound',
    kind: 'ultrasound',
    inMinutes: 90,
    sites: { scans: 'hospital', reviews: 'centre' },
    // The surgeon's account stands for the county hospital's sonographer, in the scan room.
    members: { admin: 'host', mentor: 'mentor', surgeon: 'theatre', qc_lead: 'observer' },
  },
];

export type DemoAccount = { email: string; password: string; role: GlobalRole; site: string | null; sessionRoles: string };

async function seedSites(db: Db): Promise<Map<DemoSite, string>> {
  const ids = new Map<DemoSite, string>();
  for (const [key, site] of Object.entries(DEMO_SITES) as [DemoSite, (typeof DEMO_SITES)[DemoSite]][]) {
    const [row] = await db
      .insert(sites)
      .values({ id: crypto.randomUUID(), ...site })
      .onConflictDoUpdate({ target: sites.name, set: { kind: site.kind } })
      .returning({ id: sites.id });
    ids.set(key, row!.id);
  }
  return ids;
}

async function seedSession(db: Db, session: DemoSession, people: Map<string, string>, siteIds: Map<DemoSite, string>): Promise<string> {
  const adminId = people.get('admin')!;
  const existing = await db
    .select({ id: liveSessions.id })
    .from(liveSessions)
    .where(and(eq(liveSessions.title, session.title), eq(liveSessions.createdBy, adminId)))
    .get();
  const sessionId = existing?.id ?? crypto.randomUUID();
  if (!existing) {
    await db.insert(liveSessions).values({
      id: sessionId,
      title: session.title,
      procedure: session.procedure,
      specialty: session.specialty,
      kind: session.kind,
      siteId: session.sites ? siteIds.get(session.sites.scans)! : null,
      reviewSiteId: session.sites ? siteIds.get(session.sites.reviews)! : null,
      scheduledAt: new Date(Date.now() + session.inMinutes * 60_000),
      createdBy: adminId,
    });
  }
  // Bound unless someone has since bound the bed elsewhere or another monitor here.
  if (session.monitor)
    await db.insert(sessionVitals).values({ sessionId, deviceId: session.monitor, boundBy: adminId, boundAt: new Date() }).onConflictDoNothing();
  for (const [key, role] of Object.entries(session.members)) {
    await db
      .insert(sessionMembers)
      .values({ sessionId, userId: people.get(key)!, role, invitedBy: adminId })
      .onConflictDoNothing();
  }
  return sessionId;
}

export async function seedDemo(db: Db): Promise<{ accounts: DemoAccount[]; sessionIds: string[] }> {
  const siteIds = await seedSites(db);
  const accounts: DemoAccount[] = [];
  const people = new Map<string, string>();
  for (const person of DEMO_PEOPLE) {
    const email = `${person.key.replace('_', '-')}@${DEMO_DOMAIN}`;
    const password = randomBytes(12).toString('base64url');
    const passwordHash = await hashPassword(password);
    const siteId = person.site ? siteIds.get(person.site)! : null;
    const [row] = await db
      .insert(users)
      .values({ id: crypto.randomUUID(), email, name: person.name, role: person.role, passwordHash, siteId })
      .onConflictDoUpdate({ target: users.email, set: { passwordHash, siteId } })
      .returning({ id: users.id });
    people.set(person.key, row!.id);
    const sessionRoles = DEMO_SESSIONS.flatMap((s) => (s.members[person.key] ? [`${s.members[person.key]} (${s.kind})`] : [])).join(', ');
    accounts.push({ email, password, role: person.role, site: person.site ? DEMO_SITES[person.site].name : null, sessionRoles });
  }
  const sessionIds: string[] = [];
  for (const session of DEMO_SESSIONS) sessionIds.push(await seedSession(db, session, people, siteIds));
  return { accounts, sessionIds };
}

if (import.meta.main) {
  const { parseDbConfig } = await import('./env.ts');
  const { url, authToken } = configOrExit('api', parseDbConfig, process);
  const { db, client } = await openDb(url, authToken);
  await migrateDb(db);
  const { accounts } = await seedDemo(db);
  client.close();
  console.log('Demo accounts (passwords are new at every start):');
  for (const a of accounts) {
    console.log(`  ${a.role.padEnd(8)} ${a.email.padEnd(28)} ${a.password}   ${a.site ?? 'no site'}; in the demo sessions as ${a.sessionRoles}`);
  }
}
