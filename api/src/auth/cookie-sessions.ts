/**
 * Server-side browser sessions. The cookie carries 32 random bytes; the table holds only
 * their SHA-256, so a leaked database cannot be replayed as cookies. Sessions end on
 * logout, after an idle period, or at an absolute limit.
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { authSessions, users } from '../db/schema.ts';
import type { User } from '@loupe/protocol';

export const SESSION_COOKIE = 'loupe_session';

export type SessionPolicy = { idleMs: number; maxMs: number };

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createSession(db: Db, userId: string, policy: SessionPolicy): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const now = Date.now();
  await db.insert(authSessions).values({
    id: digest(token),
    userId,
    lastSeenAt: new Date(now),
    expiresAt: new Date(now + policy.maxMs),
  });
  return token;
}

// lastSeenAt is written at most this often, so that reads do not each become a write.
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Looks up session tokens on `db`: the user a token belongs to, or null when it is unknown, idle
 * too long or expired. Every request with a cookie comes through here, so the query is prepared
 * once (drizzle builds its SQL once) and reads only what a request needs, not the password hash.
 */
export function sessionLookup(db: Db, policy: SessionPolicy): (token: string) => Promise<User | null> {
  const byId = db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      siteId: users.siteId,
      lastSeenAt: authSessions.lastSeenAt,
      expiresAt: authSessions.expiresAt,
    })
    .from(authSessions)
    .innerJoin(users, eq(users.id, authSessions.userId))
    .where(eq(authSessions.id, sql.placeholder('id')))
    .prepare();
  return async (token) => {
    const id = digest(token);
    const row = await byId.get({ id });
    if (!row) return null;
    const now = Date.now();
    if (row.expiresAt.getTime() <= now || now - row.lastSeenAt.getTime() > policy.idleMs) {
      await db.delete(authSessions).where(eq(authSessions.id, id));
      return null;
    }
    if (now - row.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      await db
        .update(authSessions)
        .set({ lastSeenAt: new Date(now) })
        .where(eq(authSessions.id, id));
    }
    return { id: row.id, email: row.email, name: row.name, role: row.role, siteId: row.siteId };
  };
}

export async function endSession(db: Db, token: string): Promise<void> {
  await db.delete(authSessions).where(eq(authSessions.id, digest(token)));
}

export async function purgeExpiredSessions(db: Db, policy: SessionPolicy): Promise<void> {
  const now = Date.now();
  await db.delete(authSessions).where(or(lt(authSessions.expiresAt, new Date(now)), lt(authSessions.lastSeenAt, new Date(now - policy.idleMs))));
}
