/** The one definition of Loupe's tables. Migrations in ../../../migrations are generated from it. */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  CASE_STATUSES,
  GLOBAL_ROLES,
  RECORDING_STATUSES,
  SESSION_ROLES,
  SESSION_STATUSES,
  type Chapter,
} from '@loupe/protocol';

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: GLOBAL_ROLES }).notNull(),
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
});

/** Signed-in browser sessions. The cookie holds a random token; only its SHA-256 is stored. */
export const authSessions = sqliteTable(
  'auth_sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

/** A live mentored session; its id is also the LiveKit room name. */
export const liveSessions = sqliteTable(
  'live_sessions',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    procedure: text('procedure').notNull(),
    specialty: text('specialty').notNull(),
    scheduledAt: integer('scheduled_at', { mode: 'timestamp_ms' }).notNull(),
    status: text('status', { enum: SESSION_STATUSES }).notNull().default('scheduled'),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }),
    endedAt: integer('ended_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('live_sessions_scheduled_idx').on(t.scheduledAt)],
);

export const sessionMembers = sqliteTable(
  'session_members',
  {
    sessionId: text('session_id')
      .notNull()
      .references(() => liveSessions.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: SESSION_ROLES }).notNull(),
    invitedBy: text('invited_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.userId] }), index('session_members_user_idx').on(t.userId)],
);

/**
 * LiveKit webhook events, keyed by LiveKit's event id so that a retried or duplicated
 * delivery is recorded once.
 */
export const livekitEvents = sqliteTable(
  'livekit_events',
  {
    id: text('id').primaryKey(),
    event: text('event').notNull(),
    roomName: text('room_name'),
    participantIdentity: text('participant_identity'),
    trackSid: text('track_sid'),
    occurredAt: integer('occurred_at', { mode: 'timestamp_ms' }).notNull(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
    payload: text('payload', { mode: 'json' }).notNull(),
  },
  (t) => [index('livekit_events_room_idx').on(t.roomName, t.occurredAt)],
);

/**
 * A recording of a live session. Nothing is recorded without an explicit start that confirms
 * consent; who confirmed and when are kept with it.
 */
export const recordings = sqliteTable(
  'recordings',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => liveSessions.id, { onDelete: 'cascade' }),
    status: text('status', { enum: RECORDING_STATUSES }).notNull(),
    consentBy: text('consent_by')
      .notNull()
      .references(() => users.id),
    consentAt: integer('consent_at', { mode: 'timestamp_ms' }).notNull(),
    consentOnFile: integer('consent_on_file', { mode: 'boolean' }).notNull(),
    noIdentifiersInView: integer('no_identifiers_in_view', { mode: 'boolean' }).notNull(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
    stoppedAt: integer('stopped_at', { mode: 'timestamp_ms' }),
    /** When the recorder first wrote a frame: until then the room shows REC as starting. */
    capturingAt: integer('capturing_at', { mode: 'timestamp_ms' }),
    /** The recorder says it cannot keep every frame (the case marks where). */
    degraded: integer('degraded', { mode: 'boolean' }).notNull().default(false),
    /** The recorder's outcome, kept here only: a case shows its recording's (cases/queries.ts). */
    durationMs: integer('duration_ms'),
    failure: text('failure'),
  },
  (t) => [index('recordings_session_idx').on(t.sessionId), index('recordings_status_idx').on(t.status)],
);

/**
 * A teaching case: made when a recording stops, ready when the recorder has finished it; its
 * duration and any failure are its recording's. Its text is searchable through the cases_fts
 * table (FTS5), which triggers on this table keep in step (migrations/0008). There is deliberately no field for patient identifiers. Once `retainUntil` passes,
 * the api deletes the case and its media (api/src/cases/retention.ts).
 */
export const cases = sqliteTable(
  'cases',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => liveSessions.id, { onDelete: 'cascade' }),
    recordingId: text('recording_id')
      .notNull()
      .unique()
      .references(() => recordings.id, { onDelete: 'cascade' }),
    status: text('status', { enum: CASE_STATUSES }).notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    procedure: text('procedure').notNull(),
    specialty: text('specialty').notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default([]),
    learningPoints: text('learning_points').notNull().default(''),
    published: integer('published', { mode: 'boolean' }).notNull().default(false),
    chapters: text('chapters', { mode: 'json' }).$type<Chapter[]>().notNull().default([]),
    recordedAt: integer('recorded_at', { mode: 'timestamp_ms' }).notNull(),
    retainUntil: integer('retain_until', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('cases_specialty_idx').on(t.specialty), index('cases_recorded_idx').on(t.recordedAt), index('cases_retain_until_idx').on(t.retainUntil)],
);

/**
 * Who did what, append-only: the migration adds triggers that refuse UPDATE and DELETE. Each
 * entry's hash covers the previous entry's hash and its own content (api/src/audit/audit.ts),
 * so an entry changed or removed behind the api's back breaks the chain. No foreign keys: an
 * entry outlives the person, session or case it names.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    seq: integer('seq').primaryKey(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    actorId: text('actor_id'),
    actorLabel: text('actor_label').notNull(),
    action: text('action', { enum: AUDIT_ACTIONS }).notNull(),
    targetType: text('target_type', { enum: AUDIT_TARGET_TYPES }),
    targetId: text('target_id'),
    sessionId: text('session_id'),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    ip: text('ip'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_actor_idx').on(t.actorId),
    index('audit_log_session_idx').on(t.sessionId),
    index('audit_log_target_idx').on(t.targetId),
    index('audit_log_at_idx').on(t.at),
  ],
);
