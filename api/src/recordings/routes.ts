import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { Id, Recording, StartRecordingBody, type RecordingState, type RecordingStatus, type User } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { ApiError, forbidden, notFound } from '../http/errors.ts';
import { errors, json, jsonBody, router } from '../http/openapi.ts';
import { requireUser } from '../auth/require.ts';
import { recordings } from '../db/schema.ts';
import type { Db } from '../db/client.ts';
import { sessionFor } from '../sessions/access.ts';
import { latestRecording, toRecording } from './queries.ts';
import { openCase } from '../cases/lifecycle.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor, type AuditActor } from '../audit/request.ts';

const SessionParam = z.object({ id: Id });
const tags = ['recording'];

const start = createRoute({
  method: 'post',
  path: '/{id}/recording',
  tags,
  summary: 'Start recording (theatre or host), confirming consent and that no patient identifiers are in view',
  request: { params: SessionParam, ...jsonBody(StartRecordingBody) },
  responses: { 201: json(Recording, 'Recording'), ...errors },
});

const current = createRoute({
  method: 'get',
  path: '/{id}/recording',
  tags,
  summary: 'The session’s latest recording',
  request: { params: SessionParam },
  responses: { 200: json(Recording, 'Recording'), ...errors },
});

const step = (action: 'pause' | 'resume' | 'stop') =>
  createRoute({
    method: 'post',
    path: `/{id}/recording/${action}`,
    tags,
    summary: `${action[0]!.toUpperCase()}${action.slice(1)} the recording (theatre or host)`,
    request: { params: SessionParam },
    responses: { 200: json(Recording, 'Recording'), ...errors },
  });

/** What each control does: from which statuses, to which, and what the room is told. */
const STEPS = {
  pause: { from: ['recording'], to: 'paused', room: 'paused' },
  resume: { from: ['paused'], to: 'recording', room: 'recording' },
  stop: { from: ['recording', 'paused'], to: 'stopped', room: 'off' },
} as const satisfies Record<string, { from: RecordingStatus[]; to: RecordingStatus; room: RecordingState }>;

/** Theatre and host run the recording; admins may too. */
async function controller(db: Db, sessionId: string, user: User) {
  const access = await sessionFor(db, sessionId, user);
  if (access.role !== 'theatre' && access.role !== 'host' && user.role !== 'admin') {
    throw forbidden('Only theatre or the host can control recording', { type: 'session', id: sessionId });
  }
  return access;
}

function logRoomFailure(room: string, err: unknown) {
  console.error(`livekit: could not set the recording state of room ${room}:`, err instanceof Error ? err.message : err);
}

/** Pause, resume or stop, when the recording's status allows it. */
async function applyStep(
  deps: Pick<AppDeps, 'db' | 'rooms' | 'config'>,
  sessionId: string,
  user: User,
  action: keyof typeof STEPS,
  actor: AuditActor,
) {
  const { session } = await controller(deps.db, sessionId, user);
  const row = await latestRecording(deps.db, session.id);
  const rule = STEPS[action];
  if (!row || !(rule.from as readonly string[]).includes(row.status)) {
    throw new ApiError(409, 'conflict', `There is no recording to ${action}`);
  }
  const [updated] = await deps.db
    .update(recordings)
    .set({ status: rule.to, ...(action === 'stop' ? { stoppedAt: new Date() } : {}) })
    .where(eq(recordings.id, row.id))
    .returning();
  await deps.rooms.setRecordingState(session.id, rule.room).catch((err) => logRoomFailure(session.id, err));
  if (action === 'stop') await openCase(deps.db, session, updated!, deps.config.caseRetentionMs);
  await recordAudit(deps.db, { ...actor, action: `recording.${action}`, targetType: 'recording', targetId: row.id, sessionId: session.id });
  return toRecording(updated!);
}

export { applyStep, logRoomFailure };

export function recordingRoutes({ db, rooms, config }: AppDeps) {
  return router()
    .openapi(start, async (c) => {
      const user = requireUser(c);
      const { session } = await controller(db, c.req.valid('param').id, user);
      if (session.status !== 'live') throw new ApiError(409, 'conflict', 'Start the session before recording it');
      const latest = await latestRecording(db, session.id);
      if (latest && (latest.status === 'recording' || latest.status === 'paused')) {
        throw new ApiError(409, 'conflict', 'This session is already being recorded');
      }
      const now = new Date();
      const [row] = await db
        .insert(recordings)
        .values({
          id: crypto.randomUUID(),
          sessionId: session.id,
          status: 'recording',
          consentBy: user.id,
          consentAt: now,
          consentOnFile: true,
          noIdentifiersInView: true,
          startedAt: now,
        })
        .returning();
      // REC shows as "starting" until the recorder reports that it is capturing.
      await rooms.setRecordingState(session.id, 'starting').catch((err) => logRoomFailure(session.id, err));
      const { consentOnFile, noIdentifiersInView, consentAt } = row!;
      await recordAudit(db, {
        ...requestActor(c),
        action: 'recording.start',
        targetType: 'recording',
        targetId: row!.id,
        sessionId: session.id,
        detail: { consentOnFile, noIdentifiersInView, consentAt: consentAt.toISOString() },
      });
      return c.json(toRecording(row!), 201);
    })
    .openapi(current, async (c) => {
      const user = requireUser(c);
      const { session } = await sessionFor(db, c.req.valid('param').id, user);
      const row = await latestRecording(db, session.id);
      if (!row) throw notFound('Recording');
      return c.json(toRecording(row), 200);
    })
    .openapi(step('pause'), async (c) => c.json(await applyStep({ db, rooms, config }, c.req.valid('param').id, requireUser(c), 'pause', requestActor(c)), 200))
    .openapi(step('resume'), async (c) => c.json(await applyStep({ db, rooms, config }, c.req.valid('param').id, requireUser(c), 'resume', requestActor(c)), 200))
    .openapi(step('stop'), async (c) => c.json(await applyStep({ db, rooms, config }, c.req.valid('param').id, requireUser(c), 'stop', requestActor(c)), 200));
}
