import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { Case, CaseEdit, CaseList, CaseQuery, Id } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { ApiError, forbidden } from '../http/errors.ts';
import { errors, json, jsonBody, router } from '../http/openapi.ts';
import { requireUser } from '../auth/require.ts';
import { cases } from '../db/schema.ts';
import { caseFor } from './access.ts';
import { serveFile } from './media.ts';
import { listCases, toCase } from './queries.ts';
import { indexCase, unindexCase } from './search.ts';

const CaseParam = z.object({ id: Id });
const MediaParam = z.object({ id: Id, file: z.enum(['case.mp4', 'poster.jpg', 'thumbnails.jpg', 'annotations.json']) });
const tags = ['cases'];

const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'Cases I may see, searched (full text) and filtered, newest first',
  request: { query: CaseQuery },
  responses: { 200: json(CaseList, 'Cases'), 400: errors[400], 401: errors[401] },
});

const get = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'One case',
  request: { params: CaseParam },
  responses: { 200: json(Case, 'The case'), ...errors },
});

const edit = createRoute({
  method: 'patch',
  path: '/{id}',
  tags,
  summary: 'Edit a case, publish it to trainees or keep it private (mentors, admins)',
  request: { params: CaseParam, ...jsonBody(CaseEdit) },
  responses: { 200: json(Case, 'The case'), ...errors },
});

const remove = createRoute({
  method: 'delete',
  path: '/{id}',
  tags,
  summary: 'Delete a case and its media files (mentors, admins)',
  request: { params: CaseParam },
  responses: { 204: { description: 'Deleted' }, ...errors },
});

const media = createRoute({
  method: 'get',
  path: '/{id}/media/{file}',
  tags,
  summary: 'The case video (range requests), poster, thumbnail strip or annotation track, behind the same access check',
  request: { params: MediaParam },
  responses: { 200: { description: 'The file' }, 206: { description: 'Part of the file' }, ...errors },
});

export function caseRoutes({ db, config }: AppDeps) {
  const recordingDir = (recordingId: string) => join(config.mediaDir, 'recordings', recordingId);
  return router()
    .openapi(list, async (c) => {
      const user = requireUser(c);
      const query = c.req.valid('query');
      const { rows, total, capped, editable } = await listCases(db, user, query);
      const list = rows.map((r) => toCase(r, editable.has(r.id)));
      return c.json({ cases: list, total, capped, page: query.page, pageSize: query.pageSize }, 200);
    })
    .openapi(get, async (c) => {
      const { row, canEdit } = await caseFor(db, c.req.valid('param').id, requireUser(c));
      return c.json(toCase(row, canEdit), 200);
    })
    .openapi(edit, async (c) => {
      const { row, canEdit } = await caseFor(db, c.req.valid('param').id, requireUser(c));
      if (!canEdit) throw forbidden('Only the session’s mentors, its host and admins edit a case');
      const changes = c.req.valid('json');
      if (changes.published && row.status !== 'ready') throw new ApiError(409, 'conflict', 'Only a ready case can be published');
      const [updated] = await db.update(cases).set(changes).where(eq(cases.id, row.id)).returning();
      await indexCase(db, updated!);
      return c.json(toCase(updated!, true), 200);
    })
    .openapi(remove, async (c) => {
      const { row, canEdit } = await caseFor(db, c.req.valid('param').id, requireUser(c));
      if (!canEdit) throw forbidden('Only the session’s mentors, its host and admins delete a case');
      await db.delete(cases).where(eq(cases.id, row.id));
      await unindexCase(db, row.id);
      await rm(recordingDir(row.recordingId), { recursive: true, force: true });
      return c.body(null, 204);
    })
    .openapi(media, async (c) => {
      const { id, file } = c.req.valid('param');
      const { row } = await caseFor(db, id, requireUser(c));
      return serveFile(join(recordingDir(row.recordingId), file), file, c.req.header('range'));
    });
}
