import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { User } from '@loupe/protocol';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { AccessRefused } from '../http/errors.ts';
import { clientAddress } from '../http/client-address.ts';
import { recordRepeatable } from './repeats.ts';

/**
 * Who acted and from where, for an entry made while handling a request: the signed-in user
 * unless another is named (at sign-in, the one signing in).
 */
export function requestActor(c: Context<AppEnv, string, object>, user: Pick<User, 'id' | 'name'> | null = c.get('user')) {
  return { actorId: user?.id ?? null, actorLabel: user?.name ?? 'anonymous', ip: c.get('clientAddress') };
}

export type AuditActor = ReturnType<typeof requestActor>;

/**
 * Notes each request's client address for its audit entries, and records `access.denied` for
 * every refusal of a session, recording or case looked up by id: the access checks throw an
 * AccessRefused naming it.
 */
export function auditTrail({ db, config }: AppDeps) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set('clientAddress', clientAddress(c, config.trustedProxies));
    await next();
    const err = c.error;
    if (!(err instanceof AccessRefused)) return;
    const { type, id } = err.resource;
    // A refusal repeated in a loop is one entry and a count, not a flood (repeats.ts).
    await recordRepeatable(db, {
      ...requestActor(c),
      action: 'access.denied',
      targetType: type,
      targetId: id,
      sessionId: type === 'session' ? id : null,
      detail: { status: err.status, method: c.req.method, path: c.req.path, reason: err.message },
    });
  });
}
