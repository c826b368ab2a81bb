import { z } from '@hono/zod-openapi';
import { Id, RECORDING_CONTROL_ROLES, Recording, StartRecordingBody, mayAct, type User } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { conflict, forbidden, notFound } from '../http/errors.ts';
import { errors, json, jsonBody, router, taggedRoutes } from '../http/openapi.ts';
import { requireUser } from '../auth/require.ts';
import type { Db } from '../db/client.ts';
import { assertNotEnded, markLive, sessionFor } from '../sessions/access.ts';
import { latestRecording, toRecording } from './queries.ts';
import { moveRecording, startRecording } from './lifecycle.ts';
import { requestActor, type AuditActor } from '../audit/request.ts';

const SessionParam = z.object({ id: Id });
const route = taggedRoutes('recording');

const start = route.post('/{id}/recording', 'Start recording (theatre or host), confirming consent and that no patient identifiers are in view', {
  request: { params: SessionParam, ...jsonBody(StartRecordingBody) },
  responses: { 201: json(Recording, 'Recording'), ...errors },
});

const current = route.get('/{id}/recording', 'The session’s latest recording', {
  request: { params: SessionParam },
  responses: { 200: json(Recording, 'Recording'), ...errors },
});

const step = (action: 'pause' | 'resume' | 'stop') =>
  route.post(`/{id}/recording/${action}`, `${action[0]!.toUpperCase()}${action.slice(1)} the recording (theatre or host)`, {
    request: { params: SessionParam },
    responses: { 200: json(Recording, 'Recording'), ...errors },
  });

/** Theatre and host run the recording; admins may too. */
async function controller(db: Db, sessionId: string, user: User) {
  const access = await sessionFor(db, sessionId, user);
  if (!mayAct(user.role, access.role, RECORDING_CONTROL_ROLES)) {
    throw forbidden('Only theatre or the host can control recording', { type: 'session', id: sessionId });
  }
  return access;
}

/** Pause, resume or stop the session's recording, when its status allows it (lifecycle.ts). */
async function applyStep(
  deps: Pick<AppDeps, 'db' | 'rooms' | 'config'>,
  sessionId: string,
  user: User,
  action: 'pause' | 'resume' | 'stop',
  actor: AuditActor,
) {
  const { session } = await controller(deps.db, sessionId, user);
  const row = await latestRecording(deps.db, session.id);
  if (!row) throw conflict('no_recording', 'Nothing is being recorded now');
  return toRecording(await moveRecording(deps, row, { type: action }, { actor }));
}

export { applyStep };

export function recordingRoutes({ db, rooms, config }: AppDeps) {
  return router()
    .openapi(start, async (c) => {
      const user = requireUser(c);
      const access = await controller(db, c.req.valid('param').id, user);
      assertNotEnded(access);
      const session = await markLive(db, access, requestActor(c), 'recording');
      const row = await startRecording({ db, rooms }, session.id, user.id, { actor: requestActor(c) });
      return c.json(toRecording(row), 201);
    })
    .openapi(current, async (c) => {
      const user = requireUser(c);
      const { session } = await sessionFor(db, c.req.valid('param').id, user);
      const row = await latestRecording(db, session.id);
      if (!row) throw notFound('Recording');
      return c.json(toRecording(row), 200);
    })
    .openapi(step('pause'), async (c) => c.json(await applyStep({ db, rooms, config }, c.req.valid('param').id, requireUser(c), 'pause', requestActor(c)), 200))
    .openapi(step('resume'), async (c) =>
      c.json(await applyStep({ db, rooms, config }, c.req.valid('param').id, requireUser(c), 'resume', requestActor(c)), 200),
    )
    .openapi(step('stop'), async (c) => c.json(await applyStep({ db, rooms, config }, c.req.valid('param').id, requireUser(c), 'stop', requestActor(c)), 200));
}
