/**
 * A recording's life, in one place: which moves are allowed from which status, and what each
 * move changes together: the row, the live room (its metadata: every page shows REC from it),
 * the case a stopped recording becomes, and the audit log. Routes and the recorder's internal
 * routes only call `moveRecording`; an invalid move is a clear 409, never a half-done change.
 */
import { eq } from 'drizzle-orm';
import type { RecordingOutcome, RecordingStatus, RoomMetadata } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { conflict, type ApiError } from '../http/errors.ts';
import { liveSessions, recordings } from '../db/schema.ts';
import { closeCase, openCase } from '../cases/lifecycle.ts';
import { recordAudit, type NewAuditEntry } from '../audit/audit.ts';

export type RecordingRow = typeof recordings.$inferSelect;

/**
 * What can happen to a recording: a person's pause, resume or stop; the recorder capturing or
 * waiting for theatre's picture, falling behind or keeping up again; its outcome once finished.
 */
export type RecordingEvent =
  | { type: 'pause' | 'resume' | 'stop' }
  | { type: 'capturing' | 'waiting' }
  | { type: 'health'; degraded: boolean }
  | { type: 'finished'; outcome: RecordingOutcome };

/** The status a recording moves to on `event`, or null when the event is not allowed from `from`. */
export function transition(from: RecordingStatus, event: RecordingEvent): RecordingStatus | null {
  switch (event.type) {
    case 'pause':
      return from === 'recording' || from === 'waiting' ? 'paused' : null;
    case 'resume':
      return from === 'paused' ? 'recording' : null;
    case 'stop':
      return from === 'recording' || from === 'waiting' || from === 'paused' ? 'stopped' : null;
    case 'capturing':
      // A person's pause outranks the picture coming back.
      return from === 'recording' || from === 'waiting' ? 'recording' : from === 'paused' ? 'paused' : null;
    case 'waiting':
      return from === 'recording' || from === 'waiting' ? 'waiting' : from === 'paused' ? 'paused' : null;
    case 'health':
      return from === 'recording' || from === 'waiting' || from === 'paused' ? from : null;
    case 'finished':
      // Failed while still capturing (the recorder's disk is full) ends the recording there.
      return from === 'stopped' || from === 'finalising' || (event.outcome.status === 'failed' && isCapturing(from))
        ? event.outcome.status
        : null;
  }
}

export function isCapturing(status: RecordingStatus): boolean {
  return status === 'recording' || status === 'waiting' || status === 'paused';
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

/**
 * Moves a recording on `event`: refuses an invalid move with a 409 worded for a clinician,
 * else updates the row, tells the live room, opens the case of a recording that stops and
 * closes it when finished, and audits what people did. Returns the updated row.
 */
export async function moveRecording(
  deps: Pick<AppDeps, 'db' | 'rooms' | 'config'>,
  row: RecordingRow,
  event: RecordingEvent,
  mover: Mover,
): Promise<RecordingRow> {
  const to = transition(row.status, event);
  if (!to) throw refusal(row.status, event);
  const now = new Date();
  const [updated] = await deps.db
    .update(recordings)
    .set({
      status: to,
      ...(to === 'stopped' || (event.type === 'finished' && isCapturing(row.status)) ? { stoppedAt: now } : {}),
      ...(event.type === 'capturing' && !row.capturingAt ? { capturingAt: now } : {}),
      ...(event.type === 'health' ? { degraded: event.degraded } : {}),
      ...(!isCapturing(to) ? { degraded: false } : {}),
      ...(event.type === 'finished'
        ? { durationMs: event.outcome.durationMs, failure: event.outcome.failure }
        : {}),
    })
    .where(eq(recordings.id, row.id))
    .returning();
  const next = updated!;
  const because = mover.because ?? (event.type === 'finished' ? (event.outcome.failure ?? undefined) : undefined);
  if (changesRoom(row, next)) {
    await deps.rooms.setRecordingState(row.sessionId, roomStateOf(next, because)).catch((err) => logRoomFailure(row.sessionId, err));
  }
  if (next.status === 'stopped' || (event.type === 'finished' && isCapturing(row.status))) {
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
  if (!isCapturing(from)) return conflict('no_recording', 'Nothing is being recorded now');
  const words = { pause: 'The recording is already paused', resume: 'The recording is not paused' } as const;
  const message = event.type === 'pause' || event.type === 'resume' ? words[event.type] : 'The recording cannot do that now';
  return conflict('recording_state', message);
}

export function logRoomFailure(room: string, err: unknown) {
  console.error(`livekit: could not set the recording state of room ${room}:`, err instanceof Error ? err.message : err);
}
