import { eq } from 'drizzle-orm';
import type { CreateUserBody, User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { users } from '../db/schema.ts';
import { conflict } from '../http/errors.ts';
import { hashPassword } from '../auth/password.ts';
import { assertSitesExist } from '../sites/queries.ts';

export async function createUser(db: Db, input: CreateUserBody): Promise<User> {
  const existing = await db.select({ id: users.id }).from(users).where(eq(users.email, input.email)).get();
  if (existing) throw conflict('email_taken', 'An account with this email already exists');
  await assertSitesExist(db, [input.siteId]);
  const user: User = { id: crypto.randomUUID(), email: input.email, name: input.name, role: input.role, siteId: input.siteId ?? null };
  await db.insert(users).values({ ...user, passwordHash: await hashPassword(input.password) });
  return user;
}
