import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { REFERENCE_IMAGE_TYPES, STILL_TYPE, fromOwnOrigin, isReferenceImageUpload, isStillUpload } from '@loupe/protocol';
import { ApiError } from '../http/errors.ts';
import { SESSION_COOKIE, sessionLookup } from './cookie-sessions.ts';

/** Resolves the session cookie (if any) to a user for every request. */
export function sessionUser({ db, config }: AppDeps) {
  const userFor = sessionLookup(db, { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs });
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    c.set('user', token ? await userFor(token) : null);
    await next();
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for cookie-authenticated mutations, on top of SameSite=Lax cookies: a request
 * from another origin is refused (same-site ones included), and bodies must be JSON (or an image
 * where a still or a reference image is uploaded): neither is a type a cross-site form can send without a preflight.
 */
export function sameOriginOnly({ config }: AppDeps) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method) && getCookie(c, SESSION_COOKIE)) {
      if (!fromOwnOrigin({ get: (name) => c.req.header(name) }, config.publicOrigin)) {
        throw new ApiError(403, 'forbidden', 'Request from another site refused');
      }
      const type = c.req.header('content-type');
      const [expected, refusal]: [readonly string[], string] = isStillUpload(c.req.path)
        ? [[STILL_TYPE], 'A still is sent as image/png']
        : isReferenceImageUpload(c.req.path)
          ? [REFERENCE_IMAGE_TYPES, 'A reference image is sent as image/png or image/jpeg']
          : [['application/json'], 'Request bodies must be JSON'];
      if (type && !expected.some((t) => type.startsWith(t))) throw new ApiError(415, 'invalid_request', refusal);
    }
    await next();
  });
}

/**
 * What a signed-out caller may reach: signing in, up and out, the health check and the api's
 * own description. /internal and /webhooks are here because they check their own credentials
 * (the recorder's bearer token, LiveKit's signature), not a session.
 */
const PUBLIC_PATHS = [/^\/auth\/sign-(in|up|out)$/, /^\/health$/, /^\/openapi\.json$/, /^\/internal\//, /^\/webhooks\//];

/**
 * Deny by default: every other path needs a signed-in user, before validation or any lookup,
 * so a route that forgets `requireUser` is still closed. Handlers still check roles.
 */
export const signedInUnlessPublic = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('user') && !PUBLIC_PATHS.some((path) => path.test(c.req.path))) {
    throw new ApiError(401, 'unauthenticated', 'Sign in to continue');
  }
  await next();
});
