import { z } from '@hono/zod-openapi';
import { asc, eq } from 'drizzle-orm';
import { CreateUserBody, Id, User, UserEdit } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { errors, errorsOf, json, jsonBody, router, taggedRoutes } from '../http/openapi.ts';
import { notFound } from '../http/errors.ts';
import { requireGlobalRole } from '../auth/require.ts';
import { users } from '../db/schema.ts';
import { createUser } from './create-user.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor } from '../audit/request.ts';
import { assertSitesExist } from '../sites/queries.ts';

const UserList = z.object({ users: z.array(User) }).meta({ id: 'UserList' });
const UserParam = z.object({ id: Id });
const userColumns = { id: users.id, email: users.email, name: users.name, role: users.role, siteId: users.siteId };

const route = taggedRoutes('users');

const create = route.post('/', 'Create an account (admin)', {
  request: jsonBody(CreateUserBody),
  responses: { 201: json(User, 'Account created'), ...errorsOf(400, 401, 403, 409) },
});

const list = route.get('/', 'List accounts (admin)', { responses: { 200: json(UserList, 'All accounts'), ...errorsOf(401, 403) } });

const edit = route.patch('/{id}', 'Move a person to another site, or to none (admin)', {
  request: { params: UserParam, ...jsonBody(UserEdit) },
  responses: { 200: json(User, 'The account'), ...errors },
});

export function userRoutes({ db }: AppDeps) {
  return router()
    .openapi(create, async (c) => {
      requireGlobalRole(c, ['admin']);
      const user = await createUser(db, c.req.valid('json'));
      const detail = { email: user.email, role: user.role, siteId: user.siteId };
      await recordAudit(db, { ...requestActor(c), action: 'user.created', targetType: 'user', targetId: user.id, detail });
      return c.json(user, 201);
    })
    .openapi(list, async (c) => {
      requireGlobalRole(c, ['admin']);
      const rows = await db.select(userColumns).from(users).orderBy(asc(users.name));
      return c.json({ users: rows }, 200);
    })
    .openapi(edit, async (c) => {
      requireGlobalRole(c, ['admin']);
      const { id } = c.req.valid('param');
      const { siteId } = c.req.valid('json');
      const before = await db.select(userColumns).from(users).where(eq(users.id, id)).get();
      if (!before) throw notFound('Account', { type: 'user', id });
      if (before.siteId === siteId) return c.json(before, 200);
      await assertSitesExist(db, [siteId]);
      await db.update(users).set({ siteId }).where(eq(users.id, id));
      const detail = { from: before.siteId, to: siteId };
      await recordAudit(db, { ...requestActor(c), action: 'user.site_changed', targetType: 'user', targetId: id, detail });
      return c.json({ ...before, siteId }, 200);
    });
}
