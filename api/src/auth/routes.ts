import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { eq } from 'drizzle-orm';
import { SignInBody, SignUpBody, User } from '@loupe/protocol';
import type { RouteDeps } from '../http/context.ts';
import { ApiError } from '../http/errors.ts';
import { errorsOf, json, jsonBody, rateLimited, router, taggedRoutes } from '../http/openapi.ts';
import { clientAddress } from '../http/client-address.ts';
import { users } from '../db/schema.ts';
import { SESSION_COOKIE, createSession, endSession } from './cookie-sessions.ts';
import { decoyPasswordHash, verifyPassword } from './password.ts';
import { requireUser } from './require.ts';
import { signInLimit } from './sign-in-limit.ts';
import { createUser } from '../users/create-user.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor } from '../audit/request.ts';

const route = taggedRoutes('auth');

const signIn = route.post('/sign-in', 'Sign in with email and password; sets the session cookie', {
  request: jsonBody(SignInBody),
  responses: { 200: json(User, 'Signed in'), ...errorsOf(400, 401), 429: rateLimited },
});

const signUp = route.post('/sign-up', 'Create a trainee account and sign in (only when open sign-up is enabled)', {
  request: jsonBody(SignUpBody),
  responses: { 201: json(User, 'Account created'), ...errorsOf(400, 403, 409) },
});

const signOut = route.post('/sign-out', 'End this browser session on the server and clear the cookie', { responses: { 204: { description: 'Signed out' } } });

const me = route.get('/me', 'The signed-in user', { responses: { 200: json(User, 'The signed-in user'), ...errorsOf(401) } });

export function authRoutes(deps: RouteDeps) {
  const { db, config, counters } = deps;
  const policy = { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs };
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'Lax',
    secure: config.cookieSecure,
    path: '/',
    maxAge: Math.floor(config.sessionMaxMs / 1000),
  } as const;
  const limit = signInLimit(counters);

  return router()
    .openapi(signIn, async (c) => {
      const { email, password } = c.req.valid('json');
      const row = await db.select().from(users).where(eq(users.email, email)).get();
      const { ok, locks } = await limit.attempt(email, clientAddress(c, config.trustedProxies), async () =>
        verifyPassword(row?.passwordHash ?? (await decoyPasswordHash()), password),
      );
      if (!row || !ok) {
        const failed = { ...requestActor(c, null), actorLabel: email, targetType: row ? ('user' as const) : null, targetId: row?.id ?? null };
        await recordAudit(db, { ...failed, action: 'auth.sign_in_failed', detail: { reason: row ? 'wrong_password' : 'unknown_email' } });
        // The start of each lockout, not each attempt it refuses: a locked account hammered
        // all day adds one entry per lockout, so nobody can flood the log through sign-in.
        for (const { scope, ms } of locks) {
          // An address lockout is about the network, whichever account was typed.
          const target = scope === 'address' ? { targetType: null, targetId: null } : {};
          await recordAudit(db, { ...failed, ...target, action: 'auth.sign_in_locked', detail: { scope, seconds: Math.ceil(ms / 1000) } });
        }
        throw new ApiError(401, 'unauthenticated', 'Email or password is incorrect');
      }
      // A fresh session id at every sign-in; an old cookie in this browser is ended first.
      const previous = getCookie(c, SESSION_COOKIE);
      if (previous) await endSession(db, previous);
      setCookie(c, SESSION_COOKIE, await createSession(db, row.id, policy), cookieOptions);
      await recordAudit(db, { ...requestActor(c, row), action: 'auth.sign_in', targetType: 'user', targetId: row.id });
      return c.json({ id: row.id, email: row.email, name: row.name, role: row.role, siteId: row.siteId }, 200);
    })
    .openapi(signUp, async (c) => {
      if (!config.openSignup) throw new ApiError(403, 'forbidden', 'Accounts are created by an administrator');
      const user = await createUser(db, { ...c.req.valid('json'), role: 'trainee' });
      const detail = { email: user.email, role: user.role, via: 'sign-up' };
      await recordAudit(db, { ...requestActor(c, user), action: 'user.created', targetType: 'user', targetId: user.id, detail });
      setCookie(c, SESSION_COOKIE, await createSession(db, user.id, policy), cookieOptions);
      return c.json(user, 201);
    })
    .openapi(signOut, async (c) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) await endSession(db, token);
      if (c.get('user')) await recordAudit(db, { ...requestActor(c), action: 'auth.sign_out' });
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: config.cookieSecure });
      return c.body(null, 204);
    })
    .openapi(me, (c) => c.json(requireUser(c), 200));
}
