import { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { PROTOCOL_EDIT_ROLES, QcQuery, QcStats, type User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { users } from '../db/schema.ts';
import type { AppDeps } from '../http/context.ts';
import { errorsOf, json, router, taggedRoutes } from '../http/openapi.ts';
import { forbidden } from '../http/errors.ts';
import { requireUser } from '../auth/require.ts';
import { assertSitesExist } from '../sites/queries.ts';
import { qcStats, type QcScope } from './stats.ts';
import { qcCsv, qcCsvName } from './csv.ts';

const route = taggedRoutes('qc');
const summary = 'QC statistics of ultrasound exams by site, sonographer, protocol and period';
const access =
  "admins and QC leads see every site and sonographer; others their own site's figures (or with no site the exams of their sessions), and of the sonographers their own only";

const stats = route.get('/stats', `${summary} (${access})`, {
  request: { query: QcQuery },
  responses: { 200: json(QcStats, 'The figures'), ...errorsOf(400, 401, 403) },
});

const csv = route.get('/stats.csv', `The same, as a CSV table for a spreadsheet (UTF-8 with BOM)`, {
  request: { query: QcQuery },
  responses: {
    200: { content: { 'text/csv': { schema: z.string() } }, description: 'One row per group: all, day or week, site, sonographer, view' },
    ...errorsOf(400, 401, 403),
  },
});

/** The figures as `user` may read them: per sonographer, only their own unless they run QC. */
async function statsFor(db: Db, user: User, query: QcQuery): Promise<QcStats> {
  const figures = await qcStats(db, await scopeFor(db, user, query), query);
  if (PROTOCOL_EDIT_ROLES.includes(user.role)) return figures;
  const own = <T extends { id: string | null }>(rows: T[]) => rows.filter((r) => r.id === user.id);
  return { ...figures, sonographers: own(figures.sonographers), choices: { ...figures.choices, sonographers: own(figures.choices.sonographers) } };
}

/**
 * The exams a reader may count, and a refusal (audited as access.denied) of a site filter
 * outside them. Another site's figures are refused rather than answered empty: an empty answer
 * would read as "that site did no exams".
 */
async function scopeFor(db: Db, user: User, { site, sonographer }: Pick<QcQuery, 'site' | 'sonographer'>): Promise<QcScope> {
  if (PROTOCOL_EDIT_ROLES.includes(user.role)) {
    await assertSitesExist(db, [site]);
    return { kind: 'all' };
  }
  // One sonographer's figures are a judgement of that person: for those who run QC, and for the
  // sonographer, not for colleagues or trainees of the site (issue 15).
  if (sonographer && sonographer !== user.id) throw forbidden("Only QC leads see another sonographer's statistics", { type: 'user', id: sonographer });
  const row = await db.select({ siteId: users.siteId }).from(users).where(eq(users.id, user.id)).get();
  const own = row?.siteId ?? null;
  if (site && site !== own) throw forbidden('You may see the statistics of your own site only', { type: 'site', id: site });
  return own ? { kind: 'site', siteId: own } : { kind: 'member', userId: user.id };
}

export function qcRoutes({ db }: AppDeps) {
  return router()
    .openapi(stats, async (c) => {
      return c.json(await statsFor(db, requireUser(c), c.req.valid('query')), 200);
    })
    .openapi(csv, async (c) => {
      const query = c.req.valid('query');
      const figures = await statsFor(db, requireUser(c), query);
      return c.body(qcCsv(figures, query.lang), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${qcCsvName(figures)}"`,
      });
    });
}
