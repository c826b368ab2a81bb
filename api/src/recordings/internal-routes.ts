import { timingSafeEqual } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { eq } from 'drizzle-orm';
import { Id, RecorderState, RecorderStop, RecorderWork, RecordingOutcome } from '@loupe/protocol';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { ApiError, notFound } from '../http/errors.ts';
import { errors, json, jsonBody, router } from '../http/openapi.ts';
import { recordings } from '../db/schema.ts';
import type { Db } from '../db/client.ts';
import { activeRecordings } from './queries.ts';
import { isCapturing, moveRecording, type Mover } from './lifecycle.ts';

const RecordingParam = z.object({ id: Id });

const work = createRoute({
  method: 'get',
  path: '/recordings/active',
  tags: ['recorder'],
  summary: 'Recordings the recorder has work on (recorder service only)',
  responses: { 200: json(RecorderWork, 'Work'), 401: errors[401] },
});

/** A recorder's report on one recording: 204 once taken, 409 when the recording's state refuses it. */
function report<P extends string, B extends z.ZodType>(path: P, summary: string, done: string, body: B) {
  return createRoute({
    method: 'post',
    path: `/recordings/{id}/${path}` as const,
    tags: ['recorder'],
    summary: `${summary} (recorder service only)`,
    request: { params: RecordingParam, ...jsonBody(body) },
    responses: { 204: { description: done }, 401: errors[401], 404: errors[404], 409: errors[409] },
  });
}

const state = report(
  'state',
  'The recorder says whether it captures theatre’s picture or waits for it, and whether it keeps up: the live room shows it at once',
  'Announced',
  RecorderState,
);

const stop = report('stop', 'The recorder stops a recording whose picture stayed away too long; it becomes a case', 'Stopped', RecorderStop);

const finalising = createRoute({
  method: 'post',
  path: '/recordings/{id}/finalising',
  tags: ['recorder'],
  summary: 'The recorder has stopped capturing a recording and begins to encode it into its case (recorder service only)',
  request: { params: RecordingParam },
  responses: { 204: { description: 'Finalising' }, 401: errors[401], 404: errors[404], 409: errors[409] },
});

const finished = report(
  'outcome',
  'The recorder reports a finished recording: ready, or failed with a reason, which also ends one still being captured',
  'Recorded',
  RecordingOutcome,
);

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

async function recordingRow(db: Db, id: string) {
  const row = await db.select().from(recordings).where(eq(recordings.id, id)).get();
  if (!row) throw notFound('Recording');
  return row;
}

/** In the audit log, what the recorder did is the recorder's. */
const RECORDER: Mover['actor'] = { actorId: null, actorLabel: 'Recorder', ip: null };

/** In the room's words, why the recorder stopped a recording. */
const STOPPED_BECAUSE = { no_picture: 'theatre’s picture was away too long; what was recorded is in the library' } as const;

export function internalRoutes(deps: AppDeps) {
  const { db, config } = deps;
  const app = router();
  app.use('*', recorderOnly(config.recorderToken));
  return app
    .openapi(work, async (c) => {
      const rows = await activeRecordings(db);
      return c.json({ recordings: rows.map((r) => ({ id: r.id, sessionId: r.sessionId, status: r.status })) }, 200);
    })
    .openapi(state, async (c) => {
      const row = await recordingRow(db, c.req.valid('param').id);
      const { capture, degraded } = c.req.valid('json');
      // A report about a recording already stopped changes nothing: the stop came first.
      if (!isCapturing(row.status)) return c.body(null, 204);
      const moved = await moveRecording(deps, row, { type: capture }, { actor: RECORDER });
      if (moved.degraded !== degraded) await moveRecording(deps, moved, { type: 'health', degraded }, { actor: RECORDER });
      return c.body(null, 204);
    })
    .openapi(stop, async (c) => {
      const row = await recordingRow(db, c.req.valid('param').id);
      const { reason } = c.req.valid('json');
      await moveRecording(deps, row, { type: 'stop' }, { actor: RECORDER, because: STOPPED_BECAUSE[reason] });
      return c.body(null, 204);
    })
    .openapi(finalising, async (c) => {
      const row = await recordingRow(db, c.req.valid('param').id);
      // A recorder that restarts while finalising begins again and says so again.
      if (row.status === 'finalising') return c.body(null, 204);
      await moveRecording(deps, row, { type: 'finalising' }, { actor: RECORDER });
      return c.body(null, 204);
    })
    .openapi(finished, async (c) => {
      const row = await recordingRow(db, c.req.valid('param').id);
      const outcome = c.req.valid('json');
      // Reported twice (the first answer was lost): the same outcome again changes nothing.
      if (row.status === outcome.status) return c.body(null, 204);
      await moveRecording(deps, row, { type: 'finished', outcome }, { actor: RECORDER });
      return c.body(null, 204);
    });
}
