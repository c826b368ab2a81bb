import { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { Id, Site, SiteBody, SiteEdit, SiteList } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { ApiError } from '../http/errors.ts';
import { errors, errorsOf, json, jsonBody, router, taggedRoutes } from '../http/openapi.ts';
import { requireGlobalRole, requireUser } from '../auth/require.ts';
import { sites } from '../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor } from '../audit/request.ts';
import { assertNameFree, assertParentFits, changedFields, listSites, siteById, toSite, withNameFree } from './queries.ts';

const SiteParam = z.object({ id: Id });
const route = taggedRoutes('sites');

const list = route.get('/', 'Every hospital, department, region and centre, by name (the PACS address to admins only)', {
  responses: { 200: json(SiteList, 'Sites'), ...errorsOf(401) },
});

const create = route.post('/', 'Add a site (admin)', {
  request: jsonBody(SiteBody),
  responses: { 201: json(Site, 'Site added'), ...errorsOf(400, 401, 403, 409) },
});

const edit = route.patch('/{id}', 'Rename a site, change its kind, parent or PACS address (admin)', {
  request: { params: SiteParam, ...jsonBody(SiteEdit) },
  responses: { 200: json(Site, 'The site'), ...errors },
});

export function siteRoutes({ db }: AppDeps) {
  return router()
    .openapi(list, async (c) => {
      const user = requireUser(c);
      return c.json({ sites: (await listSites(db)).map((row) => toSite(row, user)) }, 200);
    })
    .openapi(create, async (c) => {
      const user = requireGlobalRole(c, ['admin']);
      const body = c.req.valid('json');
      const id = crypto.randomUUID();
      await assertNameFree(db, body.name);
      await assertParentFits(db, id, body.parentId);
      const [row] = await withNameFree(
        db
          .insert(sites)
          .values({ id, ...body })
          .returning(),
      );
      await recordAudit(db, { ...requestActor(c), action: 'site.created', targetType: 'site', targetId: id, detail: { ...body } });
      return c.json(toSite(row!, user), 201);
    })
    .openapi(edit, async (c) => {
      const user = requireGlobalRole(c, ['admin']);
      const body = c.req.valid('json');
      const row = await siteById(db, c.req.valid('param').id);
      const changes = changedFields(row, body);
      if (Object.keys(body).length === 0) throw new ApiError(400, 'invalid_request', 'Nothing to change');
      if (Object.keys(changes).length === 0) return c.json(toSite(row, user), 200);
      if (changes.name) await assertNameFree(db, body.name!, row.id);
      if (changes.parentId) await assertParentFits(db, row.id, body.parentId!);
      const [updated] = await withNameFree(db.update(sites).set(body).where(eq(sites.id, row.id)).returning());
      await recordAudit(db, { ...requestActor(c), action: 'site.updated', targetType: 'site', targetId: row.id, detail: changes });
      return c.json(toSite(updated!, user), 200);
    });
}
