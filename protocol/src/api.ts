/**
 * Request and response bodies of the api. The api validates with these and publishes them
 * in its OpenAPI document; the web validates its forms with the same schemas.
 */
import { z } from 'zod';
import { GLOBAL_ROLES, SESSION_ROLES } from './roles.ts';
import { isCommonPassword, isPersonalPassword } from './password-policy.ts';

export const ERROR_CODES = ['invalid_request', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'rate_limited', 'internal', 'unavailable'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Why a request conflicts with the state of things, for pages to put in a clinician's words
 * in their language (the api's own `message` is English, for logs and scripts).
 */
export const CONFLICT_REASONS = [
  'session_ended',
  'already_recording',
  'no_recording',
  'recording_state',
  'case_not_ready',
  'case_processing',
  'email_taken',
  'own_host_role',
  'remove_self',
  'protocol_exists',
  'protocol_in_use',
  'exam_closed',
  'view_closed',
  'still_reviewed',
  'site_name_taken',
  'site_cycle',
  'device_bound',
  'lease_lost',
  'no_pacs',
  'no_patient',
] as const;
export type ConflictReason = (typeof CONFLICT_REASONS)[number];

/** Every error the api returns has this shape; `message` is safe to show to a person. */
export const ErrorBody = z
  .object({
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), reason: z.enum(CONFLICT_REASONS).optional() }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Id = z.uuid();

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'Email is too long')
  .pipe(z.email({ message: 'Enter a valid email address' }));

/**
 * Password policy for new passwords: long rather than clever, no composition rules, and none
 * of those attackers try first (NIST SP 800-63B; see password-policy.ts).
 */
export const NewPassword = z
  .string()
  .min(12, 'Password must be at least 12 characters')
  .max(256, 'Password must be at most 256 characters')
  .refine((p) => new Set(p).size >= 5, 'Password is too repetitive')
  .refine((p) => !isCommonPassword(p), 'Password is too common or predictable; a few unrelated words make a strong one');

export const PersonName = z.string().trim().min(1, 'Name is required').max(120);

export const SignInBody = z.object({ email: Email, password: z.string().min(1, 'Password is required').max(1024) }).meta({ id: 'SignInBody' });
export type SignInBody = z.infer<typeof SignInBody>;

const NewAccount = z.object({ email: Email, name: PersonName, password: NewPassword });
const notOwnNameOrEmail = (a: { email: string; name: string; password: string }) => !isPersonalPassword(a.password, a);
const personalPassword = { path: ['password'], message: 'Password must not be made of your name or email' };

export const SignUpBody = NewAccount.refine(notOwnNameOrEmail, personalPassword).meta({ id: 'SignUpBody' });
export type SignUpBody = z.infer<typeof SignUpBody>;

/** `siteId`: the hospital or centre the person works for (protocol/src/sites.ts); none when left out. */
export const CreateUserBody = NewAccount.extend({ role: z.enum(GLOBAL_ROLES), siteId: Id.nullable().optional() })
  .refine(notOwnNameOrEmail, personalPassword)
  .meta({ id: 'CreateUserBody' });
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const User = z
  .object({ id: Id, email: z.string(), name: z.string(), role: z.enum(GLOBAL_ROLES), siteId: Id.nullable().describe('The site the person works for') })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

/** What an admin changes about an account: the site it belongs to (null: none). */
export const UserEdit = z.object({ siteId: Id.nullable() }).meta({ id: 'UserEdit' });
export type UserEdit = z.infer<typeof UserEdit>;

export const SESSION_STATUSES = ['scheduled', 'live', 'ended'] as const;
/** `ultrasound`: a remote scan with guided exams (protocol/src/exams.ts); theatre is the scan room. */
export const SESSION_KINDS = ['surgery', 'ultrasound'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];
export type SessionStatus = (typeof SESSION_STATUSES)[number];

const Title = z.string().trim().min(1, 'Title is required').max(200, 'Title is too long');

export const CreateSessionBody = z
  .object({
    title: Title,
    procedure: z.string().trim().min(1, 'Procedure is required').max(200),
    specialty: z.string().trim().min(1, 'Specialty is required').max(100),
    scheduledAt: z.iso.datetime({ offset: true, message: 'Scheduled time must be an ISO 8601 date and time' }),
    kind: z.enum(SESSION_KINDS).default('surgery'),
    /** The site whose patient is seen, and the centre that reviews (protocol/src/sites.ts). */
    siteId: Id.nullable().default(null),
    reviewSiteId: Id.nullable().default(null),
  })
  // An ultrasound scan's stills go to the scanning site's PACS and its statistics to both sites:
  // without them the exam has nowhere to go (issue 15).
  .superRefine((body, ctx) => {
    if (body.kind !== 'ultrasound') return;
    if (!body.siteId) ctx.addIssue({ code: 'custom', path: ['siteId'], message: 'An ultrasound scan needs the site that scans' });
    if (!body.reviewSiteId) ctx.addIssue({ code: 'custom', path: ['reviewSiteId'], message: 'An ultrasound scan needs the centre that reviews' });
  })
  .meta({ id: 'CreateSessionBody' });
export type CreateSessionBody = z.infer<typeof CreateSessionBody>;

export const Member = z
  .object({
    userId: Id,
    name: z.string(),
    /** Shown to the session's hosts and to admins only; null for everyone else (trainees included). */
    email: z.string().nullable(),
    role: z.enum(SESSION_ROLES),
  })
  .meta({ id: 'Member' });
export type Member = z.infer<typeof Member>;

export const LiveSession = z
  .object({
    id: Id,
    title: z.string(),
    procedure: z.string(),
    specialty: z.string(),
    scheduledAt: z.string(),
    status: z.enum(SESSION_STATUSES),
    kind: z.enum(SESSION_KINDS),
    siteId: z.string().nullable(),
    reviewSiteId: z.string().nullable(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    /** The caller's role in this session; null for an admin looking at a session they are not in. */
    myRole: z.enum(SESSION_ROLES).nullable(),
    members: z.array(Member),
  })
  .meta({ id: 'LiveSession' });
export type LiveSession = z.infer<typeof LiveSession>;

export const SessionList = z.object({ sessions: z.array(LiveSession) }).meta({ id: 'SessionList' });
export type SessionList = z.infer<typeof SessionList>;

export const InviteBody = z.object({ email: Email, role: z.enum(SESSION_ROLES) }).meta({ id: 'InviteBody' });
export type InviteBody = z.infer<typeof InviteBody>;

/**
 * A recording's life. `waiting`: recording, but theatre's picture is away (nobody sends it: the
 * room emptied, theatre's browser crashed); nothing is written, and it carries on by itself when
 * the picture is back. `paused`: a person paused it. `stopped`: a person or the recorder stopped
 * it and its case is open; `finalising`: the recorder has begun encoding it into its case;
 * `ready` or `failed`: the recorder's outcome (api/src/recordings/lifecycle.ts).
 */
export const RECORDING_STATUSES = ['recording', 'waiting', 'paused', 'stopped', 'finalising', 'ready', 'failed'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];
/** Recordings still capturing: the live room shows REC, and the host can pause or stop them. */
export const CAPTURING_RECORDING_STATUSES = ['recording', 'waiting', 'paused'] as const satisfies readonly RecordingStatus[];
export type CapturingRecordingStatus = (typeof CAPTURING_RECORDING_STATUSES)[number];
/** Recordings the recorder still has work on (capturing, or stopped and not yet finished). */
export const ACTIVE_RECORDING_STATUSES = [...CAPTURING_RECORDING_STATUSES, 'stopped', 'finalising'] as const satisfies readonly RecordingStatus[];
export type ActiveRecordingStatus = (typeof ACTIVE_RECORDING_STATUSES)[number];

/**
 * Starting a recording needs two explicit confirmations from the person in theatre or the
 * host: patient consent is on file, and no patient identifiers are in view.
 */
export const StartRecordingBody = z
  .object({
    consentOnFile: z.literal(true, { message: 'Confirm that patient consent to recording is on file' }),
    noIdentifiersInView: z.literal(true, { message: 'Confirm that no patient identifiers are in view' }),
  })
  .meta({ id: 'StartRecordingBody' });
export type StartRecordingBody = z.infer<typeof StartRecordingBody>;

export const Recording = z
  .object({
    id: Id,
    sessionId: Id,
    status: z.enum(RECORDING_STATUSES),
    consentBy: z.string(),
    consentAt: z.string(),
    startedAt: z.string(),
    stoppedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    failure: z.string().nullable(),
    /** The recorder cannot keep every frame: it skips some, and the case marks where. */
    degraded: z.boolean(),
  })
  .meta({ id: 'Recording' });
export type Recording = z.infer<typeof Recording>;

export const Chapter = z.object({ title: z.string().min(1).max(200), atMs: z.number().int().min(0) }).meta({ id: 'Chapter' });
export type Chapter = z.infer<typeof Chapter>;

/**
 * What the recorder says about a recording it captures, whenever it changes: whether theatre's
 * picture is there to record, and whether it keeps up with it.
 */
/** A recorder worker's name: unique among the workers of one cluster (default: host and pid). */
export const RecorderWorkerId = z.string().regex(/^[\w.:@-]{1,200}$/, 'letters, digits and . : @ - _ only, at most 200');

/**
 * A recorder worker asks for work: it renews the leases it holds and takes recordings nobody
 * holds while it has room for `slots` recordings in all (its CPU budget over a stream's cost).
 */
export const RecorderPoll = z.object({ worker: RecorderWorkerId, slots: z.number().int().min(1).max(1000) }).meta({ id: 'RecorderPoll' });
export type RecorderPoll = z.infer<typeof RecorderPoll>;

/**
 * What this worker has work on: recordings not yet finished whose lease it holds, with the
 * status the api holds and the lease's epoch. Each lease lasts `leaseMs` from the poll: the
 * worker stops writing a recording whose lease it could not renew in that time, since another
 * worker may have taken it over.
 */
export const RecorderWork = z
  .object({
    leaseMs: z.number().int().min(1),
    recordings: z.array(z.object({ id: Id, sessionId: Id, status: z.enum(ACTIVE_RECORDING_STATUSES), epoch: z.number().int().min(1) })),
  })
  .meta({ id: 'RecorderWork' });
export type RecorderWork = z.infer<typeof RecorderWork>;

/**
 * The header on each report a worker makes about a recording: `<epoch> <worker>`, its lease. The
 * api refuses (409 `lease_lost`) a report under a lease that has since changed hands.
 */
export const RECORDER_LEASE_HEADER = 'loupe-lease';

export function recorderLeaseHeader(worker: string, epoch: number): string {
  return `${epoch} ${worker}`;
}

/** The worker and epoch a lease header names, or null if it is not one. */
export function parseRecorderLeaseHeader(value: string): { worker: string; epoch: number } | null {
  const match = /^(\d{1,15}) (\S+)$/.exec(value);
  if (!match || !RecorderWorkerId.safeParse(match[2]).success) return null;
  return { epoch: Number(match[1]), worker: match[2]! };
}

export const RecorderState = z
  .object({
    capture: z.enum(['capturing', 'waiting']),
    degraded: z.boolean(),
  })
  .meta({ id: 'RecorderState' });
export type RecorderState = z.infer<typeof RecorderState>;

/** The recorder stops a recording whose picture stayed away too long. */
export const RecorderStop = z.object({ reason: z.enum(['no_picture']) }).meta({ id: 'RecorderStop' });
export type RecorderStop = z.infer<typeof RecorderStop>;

/** What the recorder reports when it has finished a recording. */
export const RecordingOutcome = z
  .object({
    status: z.enum(['ready', 'failed']),
    durationMs: z.number().int().min(0).nullable(),
    failure: z.string().max(2000).nullable(),
    /** The session's bookmarks, in order, on the case's timeline. */
    chapters: z.array(Chapter).max(1000).default([]),
  })
  .meta({ id: 'RecordingOutcome' });
export type RecordingOutcome = z.infer<typeof RecordingOutcome>;

export const CASE_STATUSES = ['processing', 'ready', 'failed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

const Tag = z.string().trim().min(1).max(40);

/** A teaching case: one recorded session, curated for the library. */
export const Case = z
  .object({
    id: Id,
    sessionId: Id,
    status: z.enum(CASE_STATUSES),
    failure: z.string().nullable(),
    title: z.string(),
    description: z.string(),
    procedure: z.string(),
    specialty: z.string(),
    tags: z.array(z.string()),
    learningPoints: z.string(),
    published: z.boolean(),
    durationMs: z.number().nullable(),
    recordedAt: z.string(),
    /** When the case and its media are deleted (retention period; editors may change it). */
    retainUntil: z.string(),
    chapters: z.array(Chapter),
    canEdit: z.boolean(),
  })
  .meta({ id: 'Case' });
export type Case = z.infer<typeof Case>;

/** One case as its page shows it: with the consent record of its recording (who confirmed it, when). */
export const CaseDetail = Case.extend({
  consent: z.object({ by: z.string(), at: z.string() }),
}).meta({ id: 'CaseDetail' });
export type CaseDetail = z.infer<typeof CaseDetail>;

/** The longest a case may be kept, counted from now. */
export const MAX_RETENTION_DAYS = 30 * 365;
const DAY_MS = 86_400_000;

/** A new keep-until date: in the future (to delete a case now, delete it), at most MAX_RETENTION_DAYS ahead. */
const RetainUntil = z.iso
  .datetime({ offset: true })
  .refine((v) => Date.parse(v) > Date.now(), 'The keep-until date must be in the future')
  .refine((v) => Date.parse(v) <= Date.now() + MAX_RETENTION_DAYS * DAY_MS, `A case is kept at most ${MAX_RETENTION_DAYS / 365} years from today`);

export const CaseList = z
  .object({
    cases: z.array(Case),
    total: z.number(),
    /** True when a search matched more cases than it looks at (the newest are kept): refine it. */
    capped: z.boolean(),
    page: z.number(),
    pageSize: z.number(),
  })
  .meta({ id: 'CaseList' });
export type CaseList = z.infer<typeof CaseList>;

export const CaseQuery = z.object({
  /** Cases of sessions whose scanning site (the patient's) is this one. */
  site: Id.optional(),
  q: z.string().trim().max(200).optional(),
  specialty: z.string().trim().max(100).optional(),
  procedure: z.string().trim().max(200).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type CaseQuery = z.infer<typeof CaseQuery>;

/** What mentors and admins may change about a case. No field here is for patient identifiers. */
export const CaseEdit = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().max(5000),
    procedure: z.string().trim().min(1).max(200),
    specialty: z.string().trim().min(1).max(100),
    tags: z.array(Tag).max(20),
    learningPoints: z.string().trim().max(5000),
    published: z.boolean(),
    retainUntil: RetainUntil,
  })
  .partial()
  .meta({ id: 'CaseEdit' });
export type CaseEdit = z.infer<typeof CaseEdit>;

/** Who asks for the overlay: the caller's LiveKit identity (a display-only screen has its own). */
export const OverlayRequestBody = z.object({ identity: z.string().min(1).max(160) }).meta({ id: 'OverlayRequestBody' });
export type OverlayRequestBody = z.infer<typeof OverlayRequestBody>;

export const SessionToken = z
  .object({
    /** LiveKit access token (JWT). */
    token: z.string(),
    /** WebSocket URL of livekit-server, as the browser reaches it. */
    url: z.string(),
    /**
     * Another livekit-server node can take the room (a cluster, docs/scaling.md): a page whose
     * node stops answering gives up on it within seconds and asks for a new token and node.
     */
    failover: z.boolean(),
    identity: z.string(),
    role: z.enum(SESSION_ROLES),
    expiresAt: z.string(),
    /** The api's clock (epoch ms) when the token was made: clients derive the session clock from it. */
    serverTime: z.number(),
  })
  .meta({ id: 'SessionToken' });
export type SessionToken = z.infer<typeof SessionToken>;
