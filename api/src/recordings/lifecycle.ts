/**
 * A recording's life and its case's, in one place: which moves are allowed from which status,
 * and what each move changes together: the row, the live room (its metadata: every page shows
 * REC from it), the case a stopped recording becomes, and the audit log. Routes, the recorder's
 * internal routes and retention only call `startRecording`, `moveRecording` and `endCase`; an
 * invalid move is a clear 409, never a half-done change.
 *
 * A recording is requested by a person who confirms consent, and starts as `recording` with no
 * `capturingAt` (the room shows REC as starting) until the recorder captures; then it is
 * `recording`, `waiting` or `paused` until stopped; `finalising` while the recorder encodes it
 * into its case; `ready` or `failed` at the end. Its case is deleted by a person or expires.
 */
import { eq } from 'drizzle-orm';
import type { MediaStore } from '@loupe/media-store';
import type { RecordingOutcome, RecordingStatus, RoomMetadata } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { conflict, type ApiError } from '../http/errors.ts';
import type { Db } from '../db/client.ts';
import { cases, liveSessions, recordings } from '../db/schema.ts';
import { closeCase, openCase, removeCase } from '../cases/case-rows.ts';
import { recordAudit, type NewAuditEntry } from '../audit/audit.ts';
import { latestRecording } from './queries.ts';

export type RecordingRow = typeof recordings.$inferSelect;

/**
 * What can happen to a recording: a person starts, pauses, resumes or stops it; the recorder
 * captures or waits for theatre's picture, falls behind or keeps up again, begins to finalise
 * it and reports its outcome.
 */
export type RecordingEvent =
  | { type: 'start' | 'pause' | 'resume' | 'stop' }
  | { type: 'capturing' | 'waiting' }
  | { type: 'health'; degraded: boolean }
  | { type: 'finalising' }
  | { type: 'finished'; outcome: RecordingOutcome };

/**
 * The status a recording moves to on `event`, or null when the event is not allowed from
 * `from`. A start is asked of the session's latest recording, null when it has none.
 */
export function transition(from: RecordingStatus | null, event: RecordingEvent): RecordingStatus | null {
  if (event.type === 'start') return from === null || !isCapturing(from) ? 'recording' : null;
  if (from === null) return null;
  switch (event.type) {
    case 'pause':
      return from === 'recording' || from === 'waiting' ? 'paused' : null;
    case 'resume':
      return from === 'paused' ? 'recording' : null;
    case 'stop':
      return isCapturing(from) ? 'stopped' : null;
    case 'capturing':
      // A person's pause outranks the picture coming back.
      return from === 'recording' || from === 'waiting' ? 'recording' : from === 'paused' ? 'paused' : null;
    case 'waiting':
      return from === 'recording' || from === 'waiting' ? 'waiting' : from === 'paused' ? 'paused' : null;
    case 'health':
      return isCapturing(from) ? from : null;
    case 'finalising':
      return from === 'stopped' ? 'finalising' : null;
    case 'finished':
      // Failed while still capturing (the recorder's disk is full) ends the recording there.
      return from === 'stopped' || from === 'finalising' || (event.outcome.status === 'failed' && isCapturing(from)) ? event.outcome.status : null;
  }
}

export function isCapturing(status: RecordingStatus): boolean {
  return status === 'recording' || status === 'waiting' || status === 'paused';
}

/** The recorder still has work on it: capturing, or stopped and not yet finished. */
function isActive(status: RecordingStatus): boolean {
  return isCapturing(status) || status === 'stopped' || status === 'finalising';
}

/** What every page in the live room shows for this recording (the room's metadata). */
export function roomStateOf(row: Pick<RecordingRow, 'status' | 'capturingAt' | 'degraded'>, stoppedBecause?: string): RoomMetadata {
  switch (row.status) {
    case 'recording':
      if (!row.capturingAt) return { recording: 'starting' };
      return row.degraded ? { recording: 'recording', degraded: true } : { recording: 'recording' };
    case 'waiting':
    case 'paused':
      return { recording: row.status };
    default:
      return stoppedBecause ? { recording: 'off', recordingFailure: stoppedBecause } : { recording: 'off' };
  }
}

const AUDITED = { pause: 'recording.pause', resume: 'recording.resume', stop: 'recording.stop' } as const;

/** Who moved it: a person through a route, or the recorder (with why, in words for the room). */
export type Mover = { actor: Pick<NewAuditEntry, 'actorId' | 'actorLabel' | 'ip'>; because?: string };

type Deps = Pick<AppDeps, 'db' | 'rooms' | 'config'>;

/**
 * Starts recording a session for `consentBy`, who confirmed that consent is on file and no
 * identifiers are in view: refused with a 409 while its latest recording still captures (the
 * room is told again what it records, since the page that asked thought nothing did). The room
 * shows REC as starting until the recorder reports that it captures.
 */
export async function startRecording(deps: Pick<AppDeps, 'db' | 'rooms'>, sessionId: string, consentBy: string, mover: Mover): Promise<RecordingRow> {
  const latest = await latestRecording(deps.db, sessionId);
  if (!transition(latest?.status ?? null, { type: 'start' })) {
    await announceRecording(deps, sessionId, latest);
    throw refusal(latest!.status, { type: 'start' });
  }
  const now = new Date();
  const [row] = await deps.db
    .insert(recordings)
    .values({
      id: crypto.randomUUID(),
      sessionId,
      status: 'recording',
      consentBy,
      consentAt: now,
      consentOnFile: true,
      noIdentifiersInView: true,
      startedAt: now,
    })
    .returning();
  await announceRecording(deps, sessionId, row);
  const { consentOnFile, noIdentifiersInView, consentAt } = row!;
  await recordAudit(deps.db, {
    ...mover.actor,
    action: 'recording.start',
    targetType: 'recording',
    targetId: row!.id,
    sessionId,
    detail: { consentOnFile, noIdentifiersInView, consentAt: consentAt.toISOString() },
  });
  return row!;
}

/**
 * Moves a recording on `event`: refuses an invalid move with a 409 worded for a clinician,
 * else updates the row, tells the live room, opens the case of a recording that stops and
 * closes it when finished, and audits what people did. Returns the updated row.
 */
export async function moveRecording(deps: Deps, row: RecordingRow, event: RecordingEvent, mover: Mover): Promise<RecordingRow> {
  const to = transition(row.status, event);
  if (!to || event.type === 'start') throw refusal(row.status, event);
  const endsCapture = isCapturing(row.status) && !isCapturing(to);
  const [updated] = await deps.db
    .update(recordings)
    .set({
      status: to,
      ...(endsCapture ? { stoppedAt: new Date(), degraded: false } : {}),
      ...(event.type === 'capturing' && !row.capturingAt ? { capturingAt: new Date() } : {}),
      ...(event.type === 'health' ? { degraded: event.degraded } : {}),
      // The one place a recording's duration and failure are stored; its case reads them.
      ...(event.type === 'finished' ? { durationMs: event.outcome.durationMs, failure: event.outcome.failure } : {}),
    })
    .where(eq(recordings.id, row.id))
    .returning();
  const next = updated!;
  const because = mover.because ?? (event.type === 'finished' ? (event.outcome.failure ?? undefined) : undefined);
  if (changesRoom(row, next)) {
    await deps.rooms.setRecordingState(row.sessionId, roomStateOf(next, because)).catch((err) => logRoomFailure(row.sessionId, err));
  }
  if (endsCapture) {
    const session = await deps.db.select().from(liveSessions).where(eq(liveSessions.id, row.sessionId)).get();
    if (session) await openCase(deps.db, session, next, deps.config.caseRetentionMs);
  }
  if (event.type === 'finished') await closeCase(deps.db, row.id, event.outcome);
  const action = event.type in AUDITED ? AUDITED[event.type as keyof typeof AUDITED] : auditOfRecorder(row, next);
  if (action) {
    await recordAudit(deps.db, {
      ...mover.actor,
      action,
      targetType: 'recording',
      targetId: row.id,
      sessionId: row.sessionId,
      ...(mover.because ? { detail: { reason: mover.because } } : {}),
    });
  }
  return next;
}

/** Re-tells the live room what it must show for the session's latest recording (none: off). */
export async function announceRecording(deps: Pick<AppDeps, 'rooms'>, sessionId: string, row: RecordingRow | undefined): Promise<void> {
  const state = row ? roomStateOf(row) : ({ recording: 'off' } as const);
  await deps.rooms.setRecordingState(sessionId, state).catch((err) => logRoomFailure(sessionId, err));
}

/** A case ends when a person deletes it or its keep-until date passes. */
export type CaseEvent = { type: 'delete' } | { type: 'expire'; now: Date };

type CaseRow = typeof cases.$inferSelect;

/**
 * How a case with this keep-until date, whose recording is in `recording`, ends on `event`; null
 * when it may not yet: the recorder still writes its media, or (expiry) its date has not come.
 */
export function caseTransition(recording: RecordingStatus, retainUntil: Date, event: CaseEvent): 'deleted' | 'expired' | null {
  if (isActive(recording)) return null;
  if (event.type === 'delete') return 'deleted';
  return retainUntil <= event.now ? 'expired' : null;
}

/**
 * Ends a case on `event`: refuses with a 409 while it may not end, else deletes its media and
 * row (its search entry goes with the row) and audits who did it. Returns false, auditing
 * nothing, when another request or sweep deleted it first.
 */
export async function endCase(db: Db, media: MediaStore, row: CaseRow, event: CaseEvent, mover: Mover): Promise<boolean> {
  const recording = await db.select({ status: recordings.status }).from(recordings).where(eq(recordings.id, row.recordingId)).get();
  // A case's recording is never deleted while the case exists (cases.recording_id cascades).
  const to = caseTransition(recording!.status, row.retainUntil, event);
  if (!to && isActive(recording!.status)) {
    throw conflict('case_processing', 'The recorder is still preparing this case; it can be deleted once it is ready or has failed');
  }
  // Only retention expires a case, and it asks for those due: one not due is its mistake.
  if (!to) throw new Error(`case ${row.id} is not due to expire until ${row.retainUntil.toISOString()}`);
  if (!(await removeCase(db, media, row))) return false;
  const detail =
    to === 'deleted' ? { title: row.title } : { title: row.title, recordedAt: row.recordedAt.toISOString(), retainUntil: row.retainUntil.toISOString() };
  await recordAudit(db, {
    ...mover.actor,
    action: to === 'deleted' ? 'case.delete' : 'case.expired',
    targetType: 'case',
    targetId: row.id,
    sessionId: row.sessionId,
    detail,
  });
  return true;
}

/** The recorder's moves worth an audit entry: the picture going away and coming back. */
function auditOfRecorder(before: RecordingRow, after: RecordingRow) {
  if (before.status !== 'waiting' && after.status === 'waiting') return 'recording.waiting' as const;
  if (before.status === 'waiting' && after.status === 'recording') return 'recording.capturing' as const;
  return null;
}

function changesRoom(before: RecordingRow, after: RecordingRow): boolean {
  const a = roomStateOf(before);
  const b = roomStateOf(after);
  return a.recording !== b.recording || a.degraded !== b.degraded || (isCapturing(before.status) && !isCapturing(after.status));
}

/** Why a move is refused, in words for the person who pressed the button. */
function refusal(from: RecordingStatus, event: RecordingEvent): ApiError {
  if (event.type === 'start') return conflict('already_recording', 'This session is already being recorded');
  if (event.type === 'finalising' || event.type === 'finished') {
    return conflict('recording_state', `A recording that is ${from} cannot be ${event.type === 'finalising' ? 'finalised' : 'finished'}`);
  }
  if (!isCapturing(from)) return conflict('no_recording', 'Nothing is being recorded now');
  const words = { pause: 'The recording is already paused', resume: 'The recording is not paused' } as const;
  const message = event.type === 'pause' || event.type === 'resume' ? words[event.type] : 'The recording cannot do that now';
  return conflict('recording_state', message);
}

export function logRoomFailure(room: string, err: unknown) {
  console.error(`livekit: could not set the recording state of room ${room}:`, err instanceof Error ? err.message : err);
}
