import { and, desc, eq, gte, inArray, lt, or, type SQL } from 'drizzle-orm';
import { AUDIT_ACTIONS, type AuditEntry, type AuditQuery } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { auditLog, cases, liveSessions, users } from '../db/schema.ts';
import type { AuditRow } from './audit.ts';

/**
 * Entries about a site: those of a session it scans or reviews, those by or about a person who
 * belongs to it now, and those about the site itself.
 */
function aboutSite(db: Db, site: string): SQL | undefined {
  const itsSessions = db
    .select({ id: liveSessions.id })
    .from(liveSessions)
    .where(or(eq(liveSessions.siteId, site), eq(liveSessions.reviewSiteId, site)));
  const itsPeople = db.select({ id: users.id }).from(users).where(eq(users.siteId, site));
  return or(
    inArray(auditLog.sessionId, itsSessions),
    inArray(auditLog.actorId, itsPeople),
    and(eq(auditLog.targetType, 'user'), inArray(auditLog.targetId, itsPeople)),
    and(eq(auditLog.targetType, 'site'), eq(auditLog.targetId, site)),
  );
}

function filters(db: Db, q: AuditQuery): SQL | undefined {
  return and(
    q.site ? aboutSite(db, q.site) : undefined,
    // A whole action or a dotted prefix: `case` matches `case.view`, never `cases…`.
    q.action
      ? inArray(
          auditLog.action,
          AUDIT_ACTIONS.filter((a) => a === q.action || a.startsWith(`${q.action}.`)),
        )
      : undefined,
    q.actor ? eq(auditLog.actorId, q.actor) : undefined,
    q.session ? eq(auditLog.sessionId, q.session) : undefined,
    q.target ? eq(auditLog.targetId, q.target) : undefined,
    q.from ? gte(auditLog.at, new Date(q.from)) : undefined,
    q.to ? lt(auditLog.at, new Date(q.to)) : undefined,
  );
}

/** Today's names of the sessions, cases and people the entries point at, by id. */
async function labels(db: Db, rows: AuditRow[]): Promise<Map<string, string>> {
  const ids = (type: string) => [...new Set(rows.filter((r) => r.targetType === type).map((r) => r.targetId!))];
  const sessionIds = [...new Set([...ids('session'), ...rows.flatMap((r) => (r.sessionId ? [r.sessionId] : []))])];
  const [s, c, u] = await Promise.all([
    sessionIds.length ? db.select({ id: liveSessions.id, label: liveSessions.title }).from(liveSessions).where(inArray(liveSessions.id, sessionIds)) : [],
    ids('case').length
      ? db
          .select({ id: cases.id, label: cases.title })
          .from(cases)
          .where(inArray(cases.id, ids('case')))
      : [],
    ids('user').length
      ? db
          .select({ id: users.id, label: users.name })
          .from(users)
          .where(inArray(users.id, ids('user')))
      : [],
  ]);
  return new Map([...s, ...c, ...u].map((r) => [r.id, r.label]));
}

/** One page of the log, newest first, with the names of what each entry points at. */
export async function listAudit(db: Db, q: AuditQuery): Promise<{ entries: AuditEntry[]; total: number }> {
  const where = filters(db, q);
  const [rows, total] = await Promise.all([
    db
      .select()
      .from(auditLog)
      .where(where)
      .orderBy(desc(auditLog.seq))
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize),
    db.$count(auditLog, where),
  ]);
  const names = await labels(db, rows);
  const entries = rows.map(({ prevHash: _, ...r }) => ({
    ...r,
    at: r.at.toISOString(),
    targetLabel: r.targetId ? (names.get(r.targetId) ?? null) : null,
    sessionTitle: r.sessionId ? (names.get(r.sessionId) ?? null) : null,
  }));
  return { entries, total };
}
