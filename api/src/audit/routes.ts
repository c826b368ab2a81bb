import { AuditChain, AuditList, AuditQuery } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { errorsOf, json, router, taggedRoutes } from '../http/openapi.ts';
import { requireGlobalRole } from '../auth/require.ts';
import { readAnchors } from './anchor.ts';
import { verifyAuditChain } from './verify.ts';
import { listAudit } from './queries.ts';

const route = taggedRoutes('audit');

const list = route.get('/', 'The audit log, newest first, filtered by action (or prefix), person, session, target, site and time (admin)', {
  request: { query: AuditQuery },
  responses: { 200: json(AuditList, 'Entries'), ...errorsOf(400, 401, 403) },
});

const verify = route.get(
  '/verify',
  'Check the whole hash chain and report the first entry altered or removed, and the first anchor (a head kept outside the database) it no longer matches (admin)',
  { responses: { 200: json(AuditChain, 'Chain status'), ...errorsOf(401, 403) } },
);

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
