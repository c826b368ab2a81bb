import { z } from '@hono/zod-openapi';
import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import { Id, PACS_QUEUE_LIMIT, PACS_QUEUE_ROLES, PACS_RETRY_ROLES, PacsQueue, PacsQueueItem, PacsQueueQuery, type ScanView } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import type { Db } from '../db/client.ts';
import { exams, scanProtocols, sites, stills } from '../db/schema.ts';
import { errorsOf, json, router, taggedRoutes } from '../http/openapi.ts';
import { ApiError, notFound } from '../http/errors.ts';
import { requireGlobalRole } from '../auth/require.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor } from '../audit/request.ts';

const route = taggedRoutes('pacs');

const queue = route.get('/queue', 'Accepted stills on their way to their site’s PACS: failed first with the reason, then queued, then sent (admin, QC lead)', {
  request: { query: PacsQueueQuery },
  responses: { 200: json(PacsQueue, 'Stills'), ...errorsOf(400, 401, 403) },
});

const retry = route.post('/stills/{id}/retry', 'Send a failed still again now, e.g. after fixing what the PACS refused (admin)', {
  request: { params: z.object({ id: Id }) },
  responses: { 200: json(PacsQueueItem, 'The still, queued'), ...errorsOf(401, 403, 404, 409) },
});

export function pacsRoutes({ db }: AppDeps) {
  return router()
    .openapi(queue, async (c) => {
      requireGlobalRole(c, PACS_QUEUE_ROLES);
      const { site, state } = c.req.valid('query');
      const rows = await queueRows(db)
        .where(and(ne(stills.pacsState, 'none'), site ? eq(exams.siteId, site) : undefined, state ? eq(stills.pacsState, state) : undefined))
        .orderBy(sql`case ${stills.pacsState} when 'failed' then 0 when 'queued' then 1 else 2 end`, desc(stills.pacsSentAt), asc(stills.capturedAt))
        .limit(PACS_QUEUE_LIMIT);
      return c.json({ stills: rows.map(queueItem) }, 200);
    })
    .openapi(retry, async (c) => {
      const user = requireGlobalRole(c, PACS_RETRY_ROLES);
      const { id } = c.req.valid('param');
      const requeued = await db
        .update(stills)
        .set({ pacsState: 'queued', pacsAttempts: 0, pacsError: null, pacsNextAt: new Date() })
        .where(and(eq(stills.id, id), eq(stills.pacsState, 'failed')))
        .returning({ sessionId: stills.sessionId });
      if (requeued.length === 0) {
        const still = await db.select({ state: stills.pacsState }).from(stills).where(eq(stills.id, id)).get();
        if (!still) throw notFound('Still');
        throw new ApiError(409, 'conflict', `Only a failed still can be retried; this one is ${still.state === 'none' ? 'not for the PACS' : still.state}`);
      }
      await recordAudit(db, { ...requestActor(c, user), action: 'pacs.retried', targetType: 'still', targetId: id, sessionId: requeued[0]!.sessionId });
      const row = await queueRows(db).where(eq(stills.id, id)).get();
      return c.json(queueItem(row!), 200);
    });
}

function queueRows(db: Db) {
  return db
    .select({ still: stills, siteId: exams.siteId, siteName: sites.name, views: scanProtocols.views })
    .from(stills)
    .leftJoin(exams, eq(exams.id, stills.examId))
    .leftJoin(sites, eq(sites.id, exams.siteId))
    .leftJoin(scanProtocols, and(eq(scanProtocols.key, exams.protocolKey), eq(scanProtocols.version, exams.protocolVersion)))
    .$dynamic();
}

type QueueRow = { still: typeof stills.$inferSelect; siteId: string | null; siteName: string | null; views: ScanView[] | null };

function queueItem({ still, siteId, siteName, views }: QueueRow): PacsQueueItem {
  return {
    stillId: still.id,
    examId: still.examId,
    sessionId: still.sessionId,
    siteId,
    siteName,
    viewKey: still.viewKey,
    viewName: views?.find((v) => v.key === still.viewKey)?.name ?? null,
    capturedAt: still.capturedAt.toISOString(),
    sopInstanceUid: still.sopInstanceUid,
    state: still.pacsState,
    attempts: still.pacsAttempts,
    error: still.pacsError,
    nextAt: still.pacsNextAt?.toISOString() ?? null,
    sentAt: still.pacsSentAt?.toISOString() ?? null,
  };
}
