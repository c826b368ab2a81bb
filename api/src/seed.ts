/**
 * The demo seed run by `make start`: four accounts (admin, mentor, surgeon, trainee) and one
 * scheduled session with them invited in their roles. Demo passwords are generated afresh
 * at every run and printed, never stored in source. Idempotent otherwise.
 */
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { GlobalRole, SessionRole } from '@loupe/protocol';
import { openDb, type Db } from './db/client.ts';
import { migrateDb } from './db/migrate.ts';
import { liveSessions, sessionMembers, users } from './db/schema.ts';
import { hashPassword } from './auth/password.ts';

const DEMO_DOMAIN = 'demo.loupe.local';
const DEMO_SESSION_TITLE = 'Demo: laparoscopic cholecystectomy, teaching session';

const DEMO_PEOPLE: { key: string; name: string; role: GlobalRole; sessionRole: SessionRole }[] = [
  { key: 'admin', name: 'Dr. Lin Wei (admin)', role: 'admin', sessionRole: 'host' },
  { key: 'mentor', name: 'Prof. Zhang Min', role: 'mentor', sessionRole: 'mentor' },
  { key: 'surgeon', name: 'Dr. Chen Hao', role: 'surgeon', sessionRole: 'theatre' },
  { key: 'trainee', name: 'Li Na', role: 'trainee', sessionRole: 'observer' },
];

export type DemoAccount = { email: string; password: string; role: GlobalRole; sessionRole: SessionRole };

export async function seedDemo(db: Db): Promise<{ accounts: DemoAccount[]; sessionId: string }> {
  const accounts: DemoAccount[] = [];
  const ids = new Map<string, string>();
  for (const person of DEMO_PEOPLE) {
    const email = `${person.key}@${DEMO_DOMAIN}`;
    const password = randomBytes(12).toString('base64url');
    const passwordHash = await hashPassword(password);
    const [row] = await db
      .insert(users)
      .values({ id: crypto.randomUUID(), email, name: person.name, role: person.role, passwordHash })
      .onConflictDoUpdate({ target: users.email, set: { passwordHash } })
      .returning({ id: users.id });
    ids.set(person.key, row!.id);
    accounts.push({ email, password, role: person.role, sessionRole: person.sessionRole });
  }

  const adminId = ids.get('admin')!;
  const existing = await db
    .select({ id: liveSessions.id })
    .from(liveSessions)
    .where(and(eq(liveSessions.title, DEMO_SESSION_TITLE), eq(liveSessions.createdBy, adminId)))
    .get();
  const sessionId = existing?.id ?? crypto.randomUUID();
  if (!existing) {
    await db.insert(liveSessions).values({
      id: sessionId,
      title: DEMO_SESSION_TITLE,
      procedure: 'Laparoscopic cholecystectomy',
      specialty: 'General surgery',
      scheduledAt: new Date(Date.now() + 60 * 60_000),
      createdBy: adminId,
    });
  }
  for (const person of DEMO_PEOPLE) {
    await db
      .insert(sessionMembers)
      .values({ sessionId, userId: ids.get(person.key)!, role: person.sessionRole, invitedBy: adminId })
      .onConflictDoNothing();
  }
  return { accounts, sessionId };
}

if (import.meta.main) {
  const { configOrExit, parseDbConfig } = await import('./env.ts');
  const { url, authToken } = configOrExit(parseDbConfig);
  const { db, client } = await openDb(url, authToken);
  await migrateDb(db);
  const { accounts } = await seedDemo(db);
  client.close();
  console.log('Demo accounts (passwords are new at every start):');
  for (const a of accounts) {
    console.log(`  ${a.role.padEnd(8)} ${a.email.padEnd(28)} ${a.password}   (joins the demo session as ${a.sessionRole})`);
  }
}
