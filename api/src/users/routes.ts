import { createRoute, z } from '@hono/zod-openapi';
import { asc } from 'drizzle-orm';
import { CreateUserBody, User } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { errors, json, jsonBody, router } from '../http/openapi.ts';
import { requireGlobalRole } from '../auth/require.ts';
import { users } from '../db/schema.ts';
import { createUser } from './create-user.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor } from '../audit/request.ts';

const UserList = z.object({ users: z.array(User) }).meta({ id: 'UserList' });

const create = createRoute({
  method: 'post',
  path: '/',
  tags: ['users'],
  summary: 'Create an account (admin)',
  request: jsonBody(CreateUserBody),
  responses: { 201: json(User, 'Account created'), 400: errors[400], 401: errors[401], 403: errors[403], 409: errors[409] },
});

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['users'],
  summary: 'List accounts (admin)',
  responses: { 200: json(UserList, 'All accounts'), 401: errors[401], 403: errors[403] },
});

export function userRoutes({ db }: AppDeps) {
  return router()
    .openapi(create, async (c) => {
      requireGlobalRole(c, ['admin']);
      const user = await createUser(db, c.req.valid('json'));
      const detail = { email: user.email, role: user.role };
      await recordAudit(db, { ...requestActor(c), action: 'user.created', targetType: 'user', targetId: user.id, detail });
      return c.json(user, 201);
    })
    .openapi(list, async (c) => {
      requireGlobalRole(c, ['admin']);
      const rows = await db.select({ id: users.id, email: users.email, name: users.name, role: users.role }).from(users).orderBy(asc(users.name));
      return c.json({ users: rows }, 200);
    });
}
