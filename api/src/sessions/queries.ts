import { and, desc, eq, inArray } from 'drizzle-orm';
import { OVERLAY_HOLDER_ROLES, type LiveSession, type Member, type SessionRole, type User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { liveSessions, sessionMembers, users } from '../db/schema.ts';

type SessionRow = typeof liveSessions.$inferSelect;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

async function membersOf(db: Db, sessionIds: string[]): Promise<Map<string, Member[]>> {
  const bySession = new Map<string, Member[]>();
  if (sessionIds.length === 0) return bySession;
  const rows = await db
    .select({
      sessionId: sessionMembers.sessionId,
      userId: users.id,
      name: users.name,
      email: users.email,
      role: sessionMembers.role,
    })
    .from(sessionMembers)
    .innerJoin(users, eq(users.id, sessionMembers.userId))
    .where(inArray(sessionMembers.sessionId, sessionIds))
    .orderBy(users.name);
  for (const { sessionId, ...member } of rows) {
    const list = bySession.get(sessionId) ?? [];
    list.push(member);
    bySession.set(sessionId, list);
  }
  return bySession;
}

function toLiveSession(row: SessionRow, members: Member[], viewer: User): LiveSession {
  const myRole = members.find((m) => m.userId === viewer.id)?.role ?? null;
  // Colleagues see each other's names and roles; email addresses are for whoever invites.
  const seesEmails = myRole === 'host' || viewer.role === 'admin';
  return {
    id: row.id,
    title: row.title,
    procedure: row.procedure,
    specialty: row.specialty,
    scheduledAt: row.scheduledAt.toISOString(),
    status: row.status,
    kind: row.kind,
    siteId: row.siteId,
    reviewSiteId: row.reviewSiteId,
    startedAt: iso(row.startedAt),
    endedAt: iso(row.endedAt),
    myRole,
    members: seesEmails ? members : members.map((m) => ({ ...m, email: m.userId === viewer.id ? m.email : null })),
  };
}

/** Sessions the viewer is a member of (every session for an admin), newest schedule first. */
export async function listSessionsFor(db: Db, viewer: User): Promise<LiveSession[]> {
  const rows =
    viewer.role === 'admin'
      ? await db.select().from(liveSessions).orderBy(desc(liveSessions.scheduledAt))
      : await db
          .select({ s: liveSessions })
          .from(liveSessions)
          .innerJoin(sessionMembers, eq(sessionMembers.sessionId, liveSessions.id))
          .where(eq(sessionMembers.userId, viewer.id))
          .orderBy(desc(liveSessions.scheduledAt))
          .then((r) => r.map((x) => x.s));
  const members = await membersOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toLiveSession(r, members.get(r.id) ?? [], viewer));
}

export async function getSessionRow(db: Db, id: string): Promise<SessionRow | undefined> {
  return db.select().from(liveSessions).where(eq(liveSessions.id, id)).get();
}

export async function roleIn(db: Db, sessionId: string, userId: string): Promise<SessionRole | null> {
  const row = await db
    .select({ role: sessionMembers.role })
    .from(sessionMembers)
    .where(and(eq(sessionMembers.sessionId, sessionId), eq(sessionMembers.userId, userId)))
    .get();
  return row?.role ?? null;
}

export async function loadLiveSession(db: Db, row: SessionRow, viewer: User): Promise<LiveSession> {
  const members = await membersOf(db, [row.id]);
  return toLiveSession(row, members.get(row.id) ?? [], viewer);
}

/** Identities (user ids) of the members who hold the live overlay, other than the identity `except`. */
export async function overlayHolders(db: Db, sessionId: string, except: string): Promise<string[]> {
  const rows = await db
    .select({ userId: sessionMembers.userId })
    .from(sessionMembers)
    .where(and(eq(sessionMembers.sessionId, sessionId), inArray(sessionMembers.role, [...OVERLAY_HOLDER_ROLES])));
  return rows.map((r) => r.userId).filter((id) => id !== except);
}
