import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { PROTOCOL_EDIT_ROLES, QcQuery, QcStats, type User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { users } from '../db/schema.ts';
import type { AppDeps } from '../http/context.ts';
import { errors, json, router } from '../http/openapi.ts';
import { forbidden } from '../http/errors.ts';
import { requireUser } from '../auth/require.ts';
import { assertSitesExist } from '../sites/queries.ts';
import { qcStats, type QcScope } from './stats.ts';
import { qcCsv, qcCsvName } from './csv.ts';

const tags = ['qc'];
const summary = 'QC statistics of ultrasound exams by site, sonographer, protocol and period';
const access = 'admins and QC leads see every site; others their own site, or with no site the exams of their sessions';

const stats = createRoute({
  method: 'get',
  path: '/stats',
  tags,
  summary: `${summary} (${access})`,
  request: { query: QcQuery },
  responses: { 200: json(QcStats, 'The figures'), 400: errors[400], 401: errors[401], 403: errors[403] },
});

const csv = createRoute({
  method: 'get',
  path: '/stats.csv',
  tags,
  summary: `The same, as a CSV table for a spreadsheet (UTF-8 with BOM)`,
  request: { query: QcQuery },
  responses: {
    200: { content: { 'text/csv': { schema: z.string() } }, description: 'One row per group: all, day or week, site, sonographer, view' },
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

/**
 * The exams a reader may count, and a refusal (audited as access.denied) of a site filter
 * outside them. Another site's figures are refused rather than answered empty: an empty answer
 * would read as "that site did no exams".
 */
async function scopeFor(db: Db, user: User, site: string | undefined): Promise<QcScope> {
  if (PROTOCOL_EDIT_ROLES.includes(user.role)) {
    await assertSitesExist(db, [site]);
    return { kind: 'all' };
  }
  const row = await db.select({ siteId: users.siteId }).from(users).where(eq(users.id, user.id)).get();
  const own = row?.siteId ?? null;
  if (site && site !== own) throw forbidden('You may see the statistics of your own site only', { type: 'site', id: site });
  return own ? { kind: 'site', siteId: own } : { kind: 'member', userId: user.id };
}

export function qcRoutes({ db }: AppDeps) {
  return router()
    .openapi(stats, async (c) => {
      const query = c.req.valid('query');
      const scope = await scopeFor(db, requireUser(c), query.site);
      return c.json(await qcStats(db, scope, query), 200);
    })
    .openapi(csv, async (c) => {
      const query = c.req.valid('query');
      const scope = await scopeFor(db, requireUser(c), query.site);
      const figures = await qcStats(db, scope, query);
      return c.body(qcCsv(figures, query.lang), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${qcCsvName(figures)}"`,
      });
    });
}
