/**
 * The audit log's hash chain. Each entry's hash is SHA-256 over the previous entry's hash and
 * the entry's own canonical JSON, its seq included, so changing, removing or reordering any
 * entry breaks every link after it; the database triggers refuse UPDATE and DELETE outright.
 */
import { createHash } from 'node:crypto';
import { desc } from 'drizzle-orm';
import type { AuditAction, AuditTargetType } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';

export type AuditRow = typeof auditLog.$inferSelect;

export type NewAuditEntry = {
  action: AuditAction;
  actorId: string | null;
  actorLabel: string;
  targetType?: AuditTargetType | null;
  targetId?: string | null;
  sessionId?: string | null;
  detail?: Record<string, unknown>;
  ip?: string | null;
};

/** What the first entry links to. */
export const GENESIS = '0'.repeat(64);

/** JSON with object keys sorted, so that the same entry always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const fields = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The hash an entry must carry: over the previous entry's hash and its own content. */
export function entryHash(r: Omit<AuditRow, 'hash'>): string {
  const content = {
    seq: r.seq,
    at: r.at.getTime(),
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    sessionId: r.sessionId,
    detail: r.detail,
    ip: r.ip,
  };
  return createHash('sha256')
    .update(r.prevHash + canonical(content))
    .digest('hex');
}

/** The newest entry's seq and hash: the head of the chain, null while the log is empty. */
export async function auditHead(db: Db): Promise<{ seq: number; hash: string } | null> {
  const head = await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1).get();
  return head ?? null;
}

// Appends from this process, one after another: concurrent requests then never race for the
// same seq. Keyed by the handle, so each test database has its own queue.
const queues = new WeakMap<Db, Promise<unknown>>();

/**
 * Appends an entry to the audit log and returns it as stored.
 * @example await recordAudit(db, { ...requestActor(c), action: 'case.view', targetType: 'case', targetId: id });
 */
export function recordAudit(db: Db, entry: NewAuditEntry): Promise<AuditRow> {
  const run = () => append(db, entry);
  const appended = (queues.get(db) ?? Promise.resolve()).then(run, run);
  queues.set(db, appended);
  return appended;
}

async function append(db: Db, entry: NewAuditEntry): Promise<AuditRow> {
  // Through JSON once, so the hash covers exactly what the database hands back.
  const detail = JSON.parse(JSON.stringify(entry.detail ?? {})) as Record<string, unknown>;
  for (;;) {
    const last = await auditHead(db);
    const content = {
      seq: (last?.seq ?? 0) + 1,
      at: new Date(),
      actorId: entry.actorId,
      actorLabel: entry.actorLabel,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      sessionId: entry.sessionId ?? null,
      detail,
      ip: entry.ip ?? null,
      prevHash: last?.hash ?? GENESIS,
    };
    const row = { ...content, hash: entryHash(content) };
    // The seq is the link. One INSERT is one write transaction, and if another process
    // appended since the tail was read, the primary key refuses this row and we link to the
    // new tail: the chain cannot fork or skip a seq. Not a BEGIN…COMMIT around the read: the
    // driver is synchronous and its pool gives other requests their own connection, so any
    // write they made while this process held the write lock would fail with SQLITE_BUSY.
    const inserted = await db.insert(auditLog).values(row).onConflictDoNothing({ target: auditLog.seq }).returning({ seq: auditLog.seq });
    if (inserted.length === 1) return row;
  }
}
