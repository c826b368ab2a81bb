import type { Context } from 'hono';
import type { GlobalRole, User } from '@loupe/protocol';
import { ApiError, forbidden } from '../http/errors.ts';
import type { AppEnv } from '../http/context.ts';

/** The signed-in user, or a 401 that the app turns into the error shape. */
export function requireUser(c: Context<AppEnv, string, object>): User {
  const user = c.get('user');
  if (!user) throw new ApiError(401, 'unauthenticated', 'Sign in to continue');
  return user;
}

export function requireGlobalRole(c: Context<AppEnv, string, object>, roles: readonly GlobalRole[]): User {
  const user = requireUser(c);
  if (!roles.includes(user.role)) throw forbidden('Your account role does not allow this');
  return user;
}
