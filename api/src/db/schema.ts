/** The one definition of Loupe's tables. Migrations in ../../../migrations are generated from it. */
import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  CASE_STATUSES,
  GLOBAL_ROLES,
  RECORDING_STATUSES,
  SESSION_ROLES,
  SESSION_STATUSES,
  EXAM_STATUSES,
  EXAM_TYPES,
  REFERENCE_IMAGE_TYPES,
  PACS_STATES,
  PATIENT_SEXES,
  RETAKE_REASONS,
  SESSION_KINDS,
  SITE_KINDS,
  STILL_KINDS,
  VERDICTS,
  type Chapter,
  type ExamPatient,
  type ScanView,
  type Words,
  type VitalsLimits,
} from '@loupe/protocol';

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

/** Hospitals, their departments, regions and expert centres (protocol/src/sites.ts). */
export const sites = sqliteTable('sites', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  kind: text('kind', { enum: SITE_KINDS }).notNull(),
  parentId: text('parent_id'),
  /** The site's PACS DICOMweb base URL; accepted stills go there (api/src/pacs/). */
  dicomwebUrl: text('dicomweb_url'),
  createdAt: createdAt(),
});

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: GLOBAL_ROLES }).notNull(),
  passwordHash: text('password_hash').notNull(),
  /** The hospital or centre the person works for; null for accounts of no site (the first admin). */
  siteId: text('site_id').references(() => sites.id),
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
    /** `ultrasound` sessions run guided exams, and call theatre the scan room. */
    kind: text('kind', { enum: SESSION_KINDS }).notNull().default('surgery'),
    /** The site whose patient is seen (its images stay with it), and the centre that reviews. */
    siteId: text('site_id').references(() => sites.id),
    reviewSiteId: text('review_site_id').references(() => sites.id),
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

/**
 * Scan protocols, one row per version (protocol/src/scan-protocols.ts). A version an exam ran on
 * never changes: an edit adds the next version. The built-in ones are written at start.
 */
export const scanProtocols = sqliteTable(
  'scan_protocols',
  {
    key: text('key').notNull(),
    version: integer('version').notNull(),
    examType: text('exam_type', { enum: EXAM_TYPES }).notNull(),
    name: text('name', { mode: 'json' }).$type<Words>().notNull(),
    source: text('source').notNull(),
    views: text('views', { mode: 'json' }).$type<ScanView[]>().notNull(),
    builtIn: integer('built_in', { mode: 'boolean' }).notNull().default(false),
    createdBy: text('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.key, t.version] })],
);

/**
 * Reference images of protocol views (protocol/src/scan-protocols.ts), named by the SHA-256 of
 * their bytes: a view of a version names one, and no image is ever changed, so an exam shows the
 * image its version had. Kept in the database beside the protocols (a few per protocol, 2 MB at most).
 */
export const referenceImages = sqliteTable('reference_images', {
  id: text('id').primaryKey(),
  type: text('type', { enum: REFERENCE_IMAGE_TYPES }).notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  data: blob('data', { mode: 'buffer' }).notNull(),
  createdBy: text('created_by').references(() => users.id),
  createdAt: createdAt(),
});

/**
 * A guided exam of a session on one protocol version. The site is the session's at the start,
 * kept here so that statistics do not move when a session is edited. Patient fields are for the
 * DICOM header only, null when the exam is de-identified for teaching.
 */
export const exams = sqliteTable(
  'exams',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => liveSessions.id, { onDelete: 'cascade' }),
    protocolKey: text('protocol_key').notNull(),
    protocolVersion: integer('protocol_version').notNull(),
    status: text('status', { enum: EXAM_STATUSES }).notNull().default('running'),
    siteId: text('site_id').references(() => sites.id),
    /** The scan room's person: whose exam it is in the statistics. */
    sonographerId: text('sonographer_id').references(() => users.id),
    patient: text('patient', { mode: 'json' }).$type<ExamPatient>(),
    /** DICOM study and series of its stills, made at the start. */
    studyUid: text('study_uid').notNull(),
    seriesUid: text('series_uid').notNull(),
    startedBy: text('started_by')
      .notNull()
      .references(() => users.id),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
    signedBy: text('signed_by').references(() => users.id),
    signedAt: integer('signed_at', { mode: 'timestamp_ms' }),
    comment: text('comment').notNull().default(''),
  },
  (t) => [index('exams_session_idx').on(t.sessionId), index('exams_site_idx').on(t.siteId, t.startedAt)],
);

/**
 * A still: a view of an exam the scan room captured, or a mentor's freeze frame. The PNG is in
 * the media directory (protocol/src/case-media.ts `stillFile`), byte for byte as uploaded; its
 * SHA-256 is checked on arrival. Accepted stills go to the site's PACS through the pacs_* fields,
 * an outbox that survives restarts.
 */
export const stills = sqliteTable(
  'stills',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => liveSessions.id, { onDelete: 'cascade' }),
    examId: text('exam_id').references(() => exams.id, { onDelete: 'cascade' }),
    viewKey: text('view_key'),
    kind: text('kind', { enum: STILL_KINDS }).notNull(),
    sha256: text('sha256').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    bytes: integer('bytes').notNull(),
    capturedBy: text('captured_by')
      .notNull()
      .references(() => users.id),
    capturedAt: integer('captured_at', { mode: 'timestamp_ms' }).notNull(),
    /** Where it sits on the session's recording, if one was capturing. */
    recordingId: text('recording_id').references(() => recordings.id, { onDelete: 'set null' }),
    atMs: integer('at_ms'),
    verdict: text('verdict', { enum: VERDICTS }).notNull().default('pending'),
    score: integer('score'),
    reason: text('reason', { enum: RETAKE_REASONS }),
    comment: text('comment').notNull().default(''),
    verdictBy: text('verdict_by').references(() => users.id),
    verdictAt: integer('verdict_at', { mode: 'timestamp_ms' }),
    /** The reviewer's drawings on the still, as annotation ops (protocol/src/annotation.ts). */
    drawings: text('drawings', { mode: 'json' }).$type<unknown[]>().notNull().default([]),
    sopInstanceUid: text('sop_instance_uid').notNull(),
    pacsState: text('pacs_state', { enum: PACS_STATES }).notNull().default('none'),
    pacsAttempts: integer('pacs_attempts').notNull().default(0),
    pacsNextAt: integer('pacs_next_at', { mode: 'timestamp_ms' }),
    pacsError: text('pacs_error'),
    pacsSentAt: integer('pacs_sent_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('stills_exam_idx').on(t.examId),
    index('stills_session_idx').on(t.sessionId),
    index('stills_pacs_idx').on(t.pacsState, t.pacsNextAt),
    // One still per image of a view: two uploads of the same bytes racing (a page retrying while
    // its first request is still on the way) keep one. A still sent back for a retake steps aside,
    // so that the same pixels can be captured and judged again (api/src/exams/routes.ts).
    uniqueIndex('stills_once_idx')
      .on(t.examId, t.viewKey, t.sha256)
      .where(sql`verdict <> 'retake'`),
  ],
);

/**
 * A session's patient monitor and alarm limits (protocol/src/vitals.ts). A monitor feeds one
 * session at a time: its id is unique. The values themselves are kept in memory (api/src/vitals/).
 */
export const sessionVitals = sqliteTable('session_vitals', {
  sessionId: text('session_id')
    .primaryKey()
    .references(() => liveSessions.id, { onDelete: 'cascade' }),
  deviceId: text('device_id').unique(),
  boundBy: text('bound_by').references(() => users.id),
  boundAt: integer('bound_at', { mode: 'timestamp_ms' }),
  /** Null: the adult defaults (DEFAULT_VITALS_LIMITS). */
  limits: text('limits', { mode: 'json' }).$type<VitalsLimits>(),
});

/**
 * Who holds a piece of work that must run in one place at a time (api/src/leases/lease.ts): a
 * recording (`recording:<id>`, held by a recorder worker) or a periodic job (`job:<name>`, held
 * by one api process). `epoch` grows each time the lease changes hands: a write carrying an
 * older epoch is from a holder that lost it.
 */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  epoch: integer('epoch').notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * Rate limits and sign-in lockouts, shared by every api process (api/src/http/rate-limit.ts):
 * a token bucket (`tokens`, `updatedAt`) or a failure count with its lockout, by key.
 */
export const rateLimits = sqliteTable('rate_limits', {
  key: text('key').primaryKey(),
  tokens: real('tokens').notNull().default(0),
  failures: integer('failures').notNull().default(0),
  inFlight: integer('in_flight').notNull().default(0),
  lastAt: integer('last_at').notNull().default(0),
  lockedUntil: integer('locked_until').notNull().default(0),
  updatedAt: integer('updated_at').notNull().default(0),
});

/**
 * The patient banner of a session, from the last HL7 ADT (A01/A08) for its bed (protocol/src/patient.ts).
 * Members only; no case, export or room packet carries it.
 */
export const sessionPatients = sqliteTable('session_patients', {
  sessionId: text('session_id')
    .primaryKey()
    .references(() => liveSessions.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  sex: text('sex', { enum: PATIENT_SEXES }),
  birthDate: text('birth_date'),
  mrn: text('mrn').notNull(),
  allergies: text('allergies', { mode: 'json' }).$type<string[]>().notNull(),
  /** MSH-10 of the ADT that set it, for the audit trail back to the sending system. */
  controlId: text('control_id').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});
