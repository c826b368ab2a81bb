import { timingSafeEqual } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { eq } from 'drizzle-orm';
import {
  Id,
  RECORDER_LEASE_HEADER,
  RecorderPoll,
  RecorderState,
  RecorderStop,
  RecorderWork,
  RecordingOutcome,
  parseRecorderLeaseHeader,
} from '@loupe/protocol';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { ApiError, conflict, notFound } from '../http/errors.ts';
import { errorsOf, json, jsonBody, router, taggedRoutes } from '../http/openapi.ts';
import { recordings } from '../db/schema.ts';
import type { Db } from '../db/client.ts';
import { currentLease, releaseLease, takeLease } from '../leases/lease.ts';
import { activeRecordings } from './queries.ts';
import { isCapturing, moveRecording, type Mover } from './lifecycle.ts';

const RecordingParam = z.object({ id: Id });

const route = taggedRoutes('recorder');

const work = route.post(
  '/recordings/work',
  'A recorder worker renews its leases and takes recordings nobody holds while it has room; answers what it holds (recorder service only)',
  { request: jsonBody(RecorderPoll), responses: { 200: json(RecorderWork, 'Work'), ...errorsOf(401) } },
);

/** A recorder's report on one recording: 204 once taken, 409 when the recording's state refuses it. */
function report<P extends string, B extends z.ZodType>(path: P, summary: string, done: string, body: B) {
  return route.post(`/recordings/{id}/${path}`, `${summary} (recorder service only)`, {
    request: { params: RecordingParam, ...jsonBody(body) },
    responses: { 204: { description: done }, ...errorsOf(401, 404, 409) },
  });
}

const state = report(
  'state',
  'The recorder says whether it captures theatre’s picture or waits for it, and whether it keeps up: the live room shows it at once',
  'Announced',
  RecorderState,
);

const stop = report('stop', 'The recorder stops a recording whose picture stayed away too long; it becomes a case', 'Stopped', RecorderStop);

const finalising = route.post(
  '/recordings/{id}/finalising',
  'The recorder has stopped capturing a recording and begins to encode it into its case (recorder service only)',
  { request: { params: RecordingParam }, responses: { 204: { description: 'Finalising' }, ...errorsOf(401, 404, 409) } },
);

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

/** The lease on a recording, one per recording (api/src/leases/lease.ts). */
export const recordingLease = (id: string) => `recording:${id}`;

/**
 * The recording a worker reports on, if the report may change it: refused with a 409
 * `lease_lost` when the worker's lease (its header) has changed hands since: it was paused or
 * cut off past its lease and another worker took the recording over. A report without a lease
 * (a recorder from before leases) is taken only while no worker holds the recording.
 */
async function recordingRow(db: Db, id: string, leaseHeader: string | undefined) {
  const row = await db.select().from(recordings).where(eq(recordings.id, id)).get();
  if (!row) throw notFound('Recording');
  const lease = await currentLease(db, recordingLease(id));
  if (!lease) return row;
  const claimed = leaseHeader ? parseRecorderLeaseHeader(leaseHeader) : null;
  const held = claimed ? claimed.worker === lease.owner && claimed.epoch === lease.epoch : lease.expiresAt.getTime() <= Date.now();
  if (!held) throw conflict('lease_lost', `Recording ${id} is held by recorder ${lease.owner} (epoch ${lease.epoch}); this report is refused`);
  return row;
}

/**
 * Renews the leases `worker` holds on active recordings and takes those nobody holds (new, or
 * whose holder stopped renewing) while it has room for `slots`: its own first, then the oldest.
 */
async function leaseWork(db: Db, { worker, slots }: RecorderPoll, leaseMs: number) {
  const rows = await activeRecordings(db);
  const leases = new Map<string, Awaited<ReturnType<typeof currentLease>>>();
  for (const row of rows) leases.set(row.id, await currentLease(db, recordingLease(row.id)));
  const mine = (id: string) => leases.get(id)?.owner === worker;
  const ordered = [...rows.filter((r) => mine(r.id)), ...rows.filter((r) => !mine(r.id))];
  const held: RecorderWork['recordings'] = [];
  for (const r of ordered) {
    if (held.length >= slots) break;
    const lease = await takeLease(db, recordingLease(r.id), worker, leaseMs);
    if (lease) held.push({ id: r.id, sessionId: r.sessionId, status: r.status, epoch: lease.epoch });
  }
  return held;
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
      const held = await leaseWork(db, c.req.valid('json'), config.recordingLeaseMs);
      return c.json({ leaseMs: config.recordingLeaseMs, recordings: held }, 200);
    })
    .openapi(state, async (c) => {
      const row = await recordingRow(db, c.req.valid('param').id, c.req.header(RECORDER_LEASE_HEADER));
      const { capture, degraded } = c.req.valid('json');
      // A report about a recording already stopped changes nothing: the stop came first.
      if (!isCapturing(row.status)) return c.body(null, 204);
      const moved = await moveRecording(deps, row, { type: capture }, { actor: RECORDER });
      if (moved.degraded !== degraded) await moveRecording(deps, moved, { type: 'health', degraded }, { actor: RECORDER });
      return c.body(null, 204);
    })
    .openapi(stop, async (c) => {
      const row = await recordingRow(db, c.req.valid('param').id, c.req.header(RECORDER_LEASE_HEADER));
      const { reason } = c.req.valid('json');
      await moveRecording(deps, row, { type: 'stop' }, { actor: RECORDER, because: STOPPED_BECAUSE[reason] });
      return c.body(null, 204);
    })
    .openapi(finalising, async (c) => {
      const row = await recordingRow(db, c.req.valid('param').id, c.req.header(RECORDER_LEASE_HEADER));
      // A recorder that restarts while finalising begins again and says so again.
      if (row.status === 'finalising') return c.body(null, 204);
      await moveRecording(deps, row, { type: 'finalising' }, { actor: RECORDER });
      return c.body(null, 204);
    })
    .openapi(finished, async (c) => {
      const row = await recordingRow(db, c.req.valid('param').id, c.req.header(RECORDER_LEASE_HEADER));
      const outcome = c.req.valid('json');
      // Reported twice (the first answer was lost): the same outcome again changes nothing.
      if (row.status === outcome.status) return c.body(null, 204);
      await moveRecording(deps, row, { type: 'finished', outcome }, { actor: RECORDER });
      // Finished: no worker has work on it any more.
      await releaseLease(db, recordingLease(row.id));
      return c.body(null, 204);
    });
}
