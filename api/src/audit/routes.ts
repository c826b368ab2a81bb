import { createRoute } from '@hono/zod-openapi';
import { AuditChain, AuditList, AuditQuery } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { errors, json, router } from '../http/openapi.ts';
import { requireGlobalRole } from '../auth/require.ts';
import { readAnchors } from './anchor.ts';
import { verifyAuditChain } from './verify.ts';
import { listAudit } from './queries.ts';

const tags = ['audit'];

const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'The audit log, newest first, filtered by action (or prefix), person, session, target, site and time (admin)',
  request: { query: AuditQuery },
  responses: { 200: json(AuditList, 'Entries'), 400: errors[400], 401: errors[401], 403: errors[403] },
});

const verify = createRoute({
  method: 'get',
  path: '/verify',
  tags,
  summary:
    'Check the whole hash chain and report the first entry altered or removed, and the first anchor (a head kept outside the database) it no longer matches (admin)',
  responses: { 200: json(AuditChain, 'Chain status'), 401: errors[401], 403: errors[403] },
});

export function auditRoutes({ db, config }: AppDeps) {
  return router()
    .openapi(list, async (c) => {
      requireGlobalRole(c, ['admin']);
      const query = c.req.valid('query');
      const { entries, total } = await listAudit(db, query);
      return c.json({ entries, total, page: query.page, pageSize: query.pageSize }, 200);
    })
    .openapi(verify, async (c) => {
      requireGlobalRole(c, ['admin']);
      return c.json(await verifyAuditChain(db, await readAnchors(config.auditAnchorFile)), 200);
    });
}
