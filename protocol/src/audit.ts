/**
 * The audit log as the api serves it to administrators. Entries are append-only and
 * hash-chained in the database; these are their wire shapes.
 */
import { z } from 'zod';
import { Id } from './api.ts';

/** Everything the api records. Dotted names, so `session` filters every session action. */
export const AUDIT_ACTIONS = [
  'auth.sign_in',
  'auth.sign_in_failed',
  'auth.sign_in_locked',
  'auth.sign_out',
  'user.created',
  'session.started',
  'session.token',
  'session.joined_room',
  'session.room_refused',
  'session.room_role_changed',
  'session.member_added',
  'session.member_role_changed',
  'session.member_removed',
  'recording.start',
  'recording.pause',
  'recording.resume',
  'recording.stop',
  'recording.waiting',
  'recording.capturing',
  'case.view',
  'case.media',
  'case.edit',
  'case.publish',
  'case.delete',
  'case.expired',
  'access.denied',
  'site.created',
  'site.updated',
  'user.site_changed',
  'protocol.saved',
  'protocol.refused',
  'protocol.image_saved',
  'exam.started',
  'exam.signed',
  'still.captured',
  'still.refused',
  'still.verdict',
  'still.drawn',
  'pacs.sent',
  'pacs.failed',
  'pacs.retried',
  'vitals.bound',
  'vitals.unbound',
  'vitals.limits',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_TARGET_TYPES = ['user', 'session', 'recording', 'case', 'site', 'protocol', 'exam', 'still'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export const AuditEntry = z
  .object({
    seq: z.number(),
    at: z.string(),
    /** Null when nobody was signed in (a failed sign-in) or the actor is a service (the recorder). */
    actorId: z.string().nullable(),
    /** Who, as they were named at the time. */
    actorLabel: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    targetType: z.enum(AUDIT_TARGET_TYPES).nullable(),
    targetId: z.string().nullable(),
    /** The target's current name (case or session title, person's name), when it still exists. */
    targetLabel: z.string().nullable(),
    sessionId: z.string().nullable(),
    sessionTitle: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.object({
  /** An action or a dotted prefix of one: `case` matches `case.view`, `case.delete`… */
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)?$/, 'Unknown action')
    .optional(),
  actor: Id.optional(),
  session: Id.optional(),
  target: Id.optional(),
  /**
   * Entries about a site: those of a session the site scans or reviews, those whose actor or
   * target person belongs to the site now, and those about the site itself (site.created,
   * site.updated).
   */
  site: Id.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditList = z.object({ entries: z.array(AuditEntry), total: z.number(), page: z.number(), pageSize: z.number() }).meta({ id: 'AuditList' });
export type AuditList = z.infer<typeof AuditList>;

/**
 * An anchor the chain no longer matches. Anchors are heads of the chain `{ seq, hash, at }`
 * the api copies to a file outside the database: a chain cut short no longer reaches an
 * anchor's seq (`truncated`), one rebuilt from scratch has another hash there (`rewritten`).
 */
export const AuditAnchorFailure = z
  .object({
    /** Its line in the anchor file, from 1; 0 when the file itself could not be read. */
    line: z.number(),
    reason: z.enum(['truncated', 'rewritten', 'unreadable']),
    /** Null only for a line that is not an anchor (`unreadable`). */
    seq: z.number().nullable(),
    hash: z.string().nullable(),
    at: z.string().nullable(),
  })
  .meta({ id: 'AuditAnchorFailure' });
export type AuditAnchorFailure = z.infer<typeof AuditAnchorFailure>;

export const AuditChain = z
  .object({
    /** The chain is whole and every anchor still matches it. */
    ok: z.boolean(),
    /** Entries found intact, oldest first: all of them when the chain is whole. */
    checked: z.number(),
    /** The first seq whose entry is missing, altered or out of chain; null when intact. */
    brokenAt: z.number().nullable(),
    /** The newest entry's hash, when the chain is whole. */
    head: z.string().nullable(),
    /** How many anchors (heads copied outside the database) were checked against the chain. */
    anchors: z.number(),
    /** When the newest anchor was written; null before the first. */
    anchoredAt: z.string().nullable(),
    /** The first anchor, in file order, that the chain no longer matches; null when all do. */
    anchorFailure: AuditAnchorFailure.nullable(),
  })
  .meta({ id: 'AuditChain' });
export type AuditChain = z.infer<typeof AuditChain>;
