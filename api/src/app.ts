import { secureHeaders } from 'hono/secure-headers';
import { bodyLimit } from 'hono/body-limit';
import type { Context, MiddlewareHandler } from 'hono';
import { MAX_BODY_BYTES, MAX_REFERENCE_IMAGE_BYTES, MAX_STILL_BYTES, isReferenceImageUpload, isStillUpload } from '@loupe/protocol';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps, RouteDeps } from './http/context.ts';
import { ApiError, errorBody } from './http/errors.ts';
import { router } from './http/openapi.ts';
import { sameOriginOnly, sessionUser, signedInUnlessPublic } from './auth/middleware.ts';
import { authRoutes } from './auth/routes.ts';
import { userRoutes } from './users/routes.ts';
import { sessionRoutes } from './sessions/routes.ts';
import { webhookRoutes } from './livekit/webhook-routes.ts';
import { recordingRoutes } from './recordings/routes.ts';
import { internalRoutes } from './recordings/internal-routes.ts';
import { caseRoutes } from './cases/routes.ts';
import { auditRoutes } from './audit/routes.ts';
import { qcRoutes } from './qc/routes.ts';
import { auditTrail, requestActor } from './audit/request.ts';
import { recordAudit } from './audit/audit.ts';
import { protocolRoutes } from './protocols/routes.ts';
import { examRoutes } from './exams/routes.ts';
import { freezeRoutes } from './exams/freeze-routes.ts';
import { pacsRoutes } from './pacs/routes.ts';
import { siteRoutes } from './sites/routes.ts';
import { vitalsRoutes } from './vitals/routes.ts';
import { VitalsHub } from './vitals/hub.ts';
import { patientRoutes } from './patient/routes.ts';
import { priorsRoutes } from './priors/routes.ts';

export const API_VERSION = '0.1.0';

const tooLarge = (c: Context) => c.json(errorBody('invalid_request', 'Request body too large'), 413, { connection: 'close' });

/**
 * A still upload is a full-resolution PNG, a reference image a smaller PNG or JPEG; every other body
 * is small (protocol/src/body-limits.ts).
 * A still refused for its size is audited as every refused still is.
 */
function bodyLimits({ db }: AppDeps): MiddlewareHandler {
  const small = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  const reference = bodyLimit({
    maxSize: MAX_REFERENCE_IMAGE_BYTES,
    onError: (c) =>
      c.json(errorBody('invalid_request', `A reference image may be at most ${MAX_REFERENCE_IMAGE_BYTES / 1024 / 1024} MB`), 413, { connection: 'close' }),
  });
  const still = bodyLimit({
    maxSize: MAX_STILL_BYTES,
    onError: async (c) => {
      const detail = { reason: 'too_large', path: c.req.path, bytes: Number(c.req.header('content-length')) || null };
      await recordAudit(db, { ...requestActor(c), action: 'still.refused', detail });
      return c.json(errorBody('invalid_request', `A still may be at most ${MAX_STILL_BYTES / 1024 / 1024} MB`), 413, { connection: 'close' });
    },
  });
  // A GET or HEAD has no body to limit (a Fetch Request never gives them one), and asking for it
  // costs every read a whole Fetch Request built from Node's (@hono/node-server builds one lazily).
  return (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    if (isReferenceImageUpload(c.req.path)) return reference(c, next);
    return isStillUpload(c.req.path) ? still(c, next) : small(c, next);
  };
}

/** The whole api as one Hono app. `AppType` below is what the web's typed client uses. */
export function createApp(appDeps: AppDeps) {
  const deps: RouteDeps = { ...appDeps, counters: appDeps.counters ?? appDeps.db };
  const app = router();
  const vitals = deps.vitals ?? new VitalsHub(deps.db, deps.rooms);
  // First, so that /openapi.json has them too. Nothing the api returns is a page: no content
  // of its own may load, and nothing may frame it.
  app.use(secureHeaders({ contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] }, xFrameOptions: 'DENY' }));
  // doc31 before the chain: `.use()` returns Hono's type, which lacks the OpenAPI methods.
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Loupe api',
      version: API_VERSION,
      description: 'Accounts, live telementoring sessions and LiveKit tokens. Errors are `{ error: { code, message } }`.',
    },
  });
  app.notFound((c) => c.json(errorBody('not_found', 'No such endpoint'), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.reason), err.status, err.headers);
    // Hono's own 4xx (malformed JSON body, for one) keep their status and message.
    if (err instanceof HTTPException && err.status < 500) {
      const code = err.status === 401 ? 'unauthenticated' : err.status === 403 ? 'forbidden' : 'invalid_request';
      return c.json(errorBody(code, err.message || 'Invalid request'), err.status);
    }
    // Never a stack trace to the client; the log keeps it.
    console.error(`${c.req.method} ${c.req.path} failed:`, err);
    return c.json(errorBody('internal', 'Something went wrong on our side; please try again'), 500);
  });

  return (
    app
      .use(sessionUser(deps))
      .use(auditTrail(deps))
      // The body past the limit is not read: the connection is closed after the answer, or a client
      // reusing it would have its next request read as the rest of this body (and hang). After the
      // caller is known, so that a refused still names who sent it.
      .use(bodyLimits(deps))
      .use(sameOriginOnly(deps))
      .use(signedInUnlessPublic)
      .route('/auth', authRoutes(deps))
      .route('/users', userRoutes(deps))
      .route('/sessions', sessionRoutes(deps))
      .route('/sessions', recordingRoutes(deps))
      .route('/cases', caseRoutes(deps))
      .route('/audit', auditRoutes(deps))
      .route('/protocols', protocolRoutes(deps))
      .route('/', examRoutes(deps))
      .route('/sessions', freezeRoutes(deps))
      .route('/', vitalsRoutes({ db: deps.db, rooms: deps.rooms, vitals }))
      .route('/', patientRoutes(deps))
      .route('/', priorsRoutes({ db: deps.db, dicomwebUrl: deps.config.dicomwebUrl, timeoutMs: deps.priorsTimeoutMs }))
      .route('/qc', qcRoutes(deps))
      .route('/pacs', pacsRoutes(deps))
      .route('/sites', siteRoutes(deps))
      .route('/internal', internalRoutes(deps))
      .route('/webhooks', webhookRoutes(deps))
      .get('/health', (c) => c.json({ ok: true }, 200))
  );
}

export type AppType = ReturnType<typeof createApp>;
