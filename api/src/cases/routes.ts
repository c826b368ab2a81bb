import { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import {
  CASE_FILES,
  CASE_FILE_NAMES,
  SOURCE_VIDEO_FILE,
  recordingFiles,
  type CaseMediaFile,
  Case,
  CaseDetail,
  CaseStills,
  CaseEdit,
  CaseList,
  CaseQuery,
  ErrorBody,
  Id,
} from '@loupe/protocol';
import type { RouteDeps } from '../http/context.ts';
import { ApiError, conflict, forbidden } from '../http/errors.ts';
import { errors, errorsOf, json, jsonBody, rateLimited, router, taggedRoutes } from '../http/openapi.ts';
import { perUserLimit } from '../http/rate-limit.ts';
import { requireUser } from '../auth/require.ts';
import { cases } from '../db/schema.ts';
import { caseFor } from './access.ts';
import { caseStills } from './case-stills.ts';
import { serveFile } from './media.ts';
import { caseById, consentRecord, listCases, toCase } from './queries.ts';
import { endCase } from '../recordings/lifecycle.ts';
import { recordAudit } from '../audit/audit.ts';
import { recordRepeatable } from '../audit/repeats.ts';
import { requestActor } from '../audit/request.ts';

const CaseParam = z.object({ id: Id });
/** One of the case's fixed files, or one of its sources' videos (issue 16). */
const MediaParam = z.object({
  id: Id,
  file: z.union([z.enum(CASE_FILE_NAMES), z.string().regex(SOURCE_VIDEO_FILE)]),
});
const route = taggedRoutes('cases');

const list = route.get('/', 'Cases I may see, searched (full text) and filtered, newest first', {
  request: { query: CaseQuery },
  responses: { 200: json(CaseList, 'Cases'), ...errorsOf(400, 401), 429: rateLimited },
});

const get = route.get('/{id}', 'One case, with the consent record of its recording', {
  request: { params: CaseParam },
  responses: { 200: json(CaseDetail, 'The case'), ...errors },
});

const edit = route.patch('/{id}', 'Edit a case, publish it to trainees or keep it private, set how long it is kept (mentors, admins)', {
  request: { params: CaseParam, ...jsonBody(CaseEdit) },
  responses: { 200: json(Case, 'The case'), ...errors },
});

const remove = route.delete('/{id}', 'Delete a case and its media files (mentors, admins)', {
  request: { params: CaseParam },
  responses: { 204: { description: 'Deleted' }, ...errors },
});

const media = route.get(
  '/{id}/media/{file}',
  'The case video or a source’s video (range requests), poster, thumbnail strip or annotation track, behind the same access check',
  {
    request: { params: MediaParam },
    responses: {
      200: { description: 'The file' },
      206: { description: 'Part of the file' },
      416: json(ErrorBody, 'The range asked for is not in the file'),
      ...errors,
    },
  },
);

const stillList = route.get(
  '/{id}/stills',
  "The case's exam stills and freeze frames, each at its moment on the case's timeline, behind the case's access check",
  { request: { params: CaseParam }, responses: { 200: json(CaseStills, 'Stills'), ...errors } },
);

export function caseRoutes({ db, config, media: store, counters }: RouteDeps) {
  const limitSearches = perUserLimit(counters, config.rateLimits.searches, 'searches');
  return router()
    .openapi(list, async (c) => {
      const user = requireUser(c);
      await limitSearches(user);
      const query = c.req.valid('query');
      const { rows, total, capped, editable } = await listCases(db, user, query);
      const list = rows.map((r) => toCase(r, editable.has(r.id)));
      return c.json({ cases: list, total, capped, page: query.page, pageSize: query.pageSize }, 200);
    })
    .openapi(get, async (c) => {
      const { row, canEdit } = await caseFor(db, c.req.valid('param').id, requireUser(c));
      await recordAudit(db, { ...requestActor(c), action: 'case.view', targetType: 'case', targetId: row.id, sessionId: row.sessionId });
      return c.json({ ...toCase(row, canEdit), consent: await consentRecord(db, row.recordingId) }, 200);
    })
    .openapi(edit, async (c) => {
      const changes = c.req.valid('json');
      // Also what a request without a body comes to; the update below needs one field at least.
      if (Object.keys(changes).length === 0) throw new ApiError(400, 'invalid_request', 'Nothing to change');
      const { row, canEdit } = await caseFor(db, c.req.valid('param').id, requireUser(c));
      if (!canEdit) throw forbidden('Only the session’s mentors, its host and admins edit a case', { type: 'case', id: row.id });
      if (changes.published && row.status !== 'ready') throw conflict('case_not_ready', 'Only a ready case can be published');
      const { retainUntil, ...rest } = changes;
      const set = retainUntil ? { ...rest, retainUntil: new Date(retainUntil) } : rest;
      await db.update(cases).set(set).where(eq(cases.id, row.id));
      const updated = await caseById(db, row.id);
      const publishing = changes.published !== undefined && changes.published !== row.published;
      await recordAudit(db, {
        ...requestActor(c),
        action: publishing ? 'case.publish' : 'case.edit',
        targetType: 'case',
        targetId: row.id,
        sessionId: row.sessionId,
        detail: { fields: Object.keys(changes), published: updated!.published, ...(retainUntil && { retainUntil }) },
      });
      return c.json(toCase(updated!, true), 200);
    })
    .openapi(remove, async (c) => {
      const { row, canEdit } = await caseFor(db, c.req.valid('param').id, requireUser(c));
      if (!canEdit) throw forbidden('Only the session’s mentors, its host and admins delete a case', { type: 'case', id: row.id });
      await endCase(db, store, row, { type: 'delete' }, { actor: requestActor(c) });
      return c.body(null, 204);
    })
    .openapi(stillList, async (c) => {
      const { row } = await caseFor(db, c.req.valid('param').id, requireUser(c));
      return c.json({ stills: await caseStills(db, store, row) }, 200);
    })
    .openapi(media, async (c) => {
      const { id } = c.req.valid('param');
      // The pattern checked above is the type's: `source-<n>.mp4`.
      const file = c.req.valid('param').file as CaseMediaFile;
      const { row } = await caseFor(db, id, requireUser(c));
      const range = c.req.header('range');
      // One entry per playback or download of the video: a player then asks for many ranges,
      // but only its first request starts at byte 0. Posters and the drawings come with a view.
      if ((file === CASE_FILES.video || SOURCE_VIDEO_FILE.test(file)) && (!range || /^bytes=0-/.test(range.trim()))) {
        const detail = { file, range: range ?? null };
        await recordRepeatable(db, { ...requestActor(c), action: 'case.media', targetType: 'case', targetId: row.id, sessionId: row.sessionId, detail });
      }
      return serveFile(store, recordingFiles(row.recordingId).caseFile(file), file, range);
    });
}
