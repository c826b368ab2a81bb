import { timingSafeEqual } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { eq } from 'drizzle-orm';
import { Id, RecordingOutcome } from '@loupe/protocol';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { ApiError, notFound } from '../http/errors.ts';
import { errors, json, jsonBody, router } from '../http/openapi.ts';
import { liveSessions, recordings } from '../db/schema.ts';
import { activeRecordings } from './queries.ts';
import { logRoomFailure } from './routes.ts';
import { closeCase, openCase } from '../cases/lifecycle.ts';

const Work = z
  .object({
    recordings: z.array(
      z.object({ id: Id, sessionId: Id, status: z.enum(['recording', 'paused', 'stopped', 'finalising']) }),
    ),
  })
  .meta({ id: 'RecorderWork' });

const work = createRoute({
  method: 'get',
  path: '/recordings/active',
  tags: ['recorder'],
  summary: 'Recordings the recorder has work on (recorder service only)',
  responses: { 200: json(Work, 'Work'), 401: errors[401] },
});

const capturing = createRoute({
  method: 'post',
  path: '/recordings/{id}/capturing',
  tags: ['recorder'],
  summary: 'The recorder is capturing: everyone in the room now sees REC (recorder service only)',
  request: { params: z.object({ id: Id }) },
  responses: { 204: { description: 'Announced' }, 401: errors[401], 404: errors[404] },
});

const finished = createRoute({
  method: 'post',
  path: '/recordings/{id}/outcome',
  tags: ['recorder'],
  summary:
    'The recorder reports a finished recording: ready, or failed with a reason, which also ends one still being captured (recorder service only)',
  request: { params: z.object({ id: Id }), ...jsonBody(RecordingOutcome) },
  responses: { 204: { description: 'Recorded' }, 401: errors[401], 404: errors[404] },
});

/** The recorder authenticates with a bearer token from configuration; compared in constant time. */
function recorderOnly(token: string | undefined) {
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  return createMiddleware<AppEnv>(async (c, next) => {
    const given = Buffer.from(c.req.header('authorization') ?? '');
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiError(401, 'unauthenticated', 'Recorder credentials required');
    }
    await next();
  });
}

export function internalRoutes({ db, config, rooms }: AppDeps) {
  const app = router();
  app.use('*', recorderOnly(config.recorderToken));
  return app
    .openapi(work, async (c) => {
      const rows = await activeRecordings(db);
      return c.json(
        {
          recordings: rows.map((r) => ({
            id: r.id,
            sessionId: r.sessionId,
            status: r.status as 'recording' | 'paused' | 'stopped' | 'finalising',
          })),
        },
        200,
      );
    })
    .openapi(capturing, async (c) => {
      const row = await db.select().from(recordings).where(eq(recordings.id, c.req.valid('param').id)).get();
      if (!row) throw notFound('Recording');
      if (row.status === 'recording' || row.status === 'paused') {
        await rooms.setRecordingState(row.sessionId, row.status).catch((err) => logRoomFailure(row.sessionId, err));
      }
      return c.body(null, 204);
    })
    .openapi(finished, async (c) => {
      const { id } = c.req.valid('param');
      const outcome = c.req.valid('json');
      const row = await db.select().from(recordings).where(eq(recordings.id, id)).get();
      if (!row) throw notFound('Recording');
      // Failed while still capturing (the recorder's disk is full): the recording ends here, as
      // if stopped, so that REC goes off for everyone and the case says why.
      const capturing = row.status === 'recording' || row.status === 'paused';
      const [updated] = await db
        .update(recordings)
        .set({ status: outcome.status, durationMs: outcome.durationMs, failure: outcome.failure, ...(capturing ? { stoppedAt: new Date() } : {}) })
        .where(eq(recordings.id, id))
        .returning();
      if (capturing) {
        await rooms.setRecordingState(row.sessionId, 'off', outcome.failure ?? undefined).catch((err) => logRoomFailure(row.sessionId, err));
        const session = await db.select().from(liveSessions).where(eq(liveSessions.id, row.sessionId)).get();
        if (session) await openCase(db, session, updated!, config.caseRetentionMs);
      }
      await closeCase(db, id, outcome);
      return c.body(null, 204);
    });
}
