import { OpenAPIHono, createRoute, type RouteConfig } from '@hono/zod-openapi';
import { ErrorBody } from '@loupe/protocol';
import type { AppEnv } from './context.ts';
import { errorBody } from './errors.ts';

/** A router for one resource. Invalid input becomes a 400 in the error shape. */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
        return c.json(errorBody('invalid_request', `${where}${issue?.message ?? 'Invalid request'}`), 400);
      }
    },
  });
}

export const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export const jsonBody = <T>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

const error = (description: string) => json(ErrorBody, description);

/** Error responses every route may give, for the OpenAPI document. */
export const errors = {
  400: error('Invalid request'),
  401: error('Not signed in'),
  403: error('Not allowed'),
  404: error('Not found'),
  409: error('Conflict with the current state'),
} satisfies RouteConfig['responses'];

/**
 * The standard error responses with these codes, for a route that gives only some of them.
 * @example
 * responses: { 200: json(AuditList, 'Entries'), ...errorsOf(400, 401, 403) }
 */
export function errorsOf<Code extends keyof typeof errors>(...codes: Code[]): Pick<typeof errors, Code> {
  return Object.fromEntries(codes.map((code) => [code, errors[code]])) as Pick<typeof errors, Code>;
}

/** For the few routes with a rate limit; the Retry-After header says when to try again. */
export const rateLimited = error('Too many requests; try again after Retry-After seconds');

/** What a route takes and answers, in @hono/zod-openapi's terms. */
type RouteParts = Pick<RouteConfig, 'request' | 'responses'>;

/**
 * Route definitions for one resource, listed under its tag in the OpenAPI document. Each is a
 * `createRoute` config, so handlers keep their typed input and responses, and so does `hc`.
 * @example
 * const route = taggedRoutes('sites');
 * const list = route.get('/', 'Every site, by name', { responses: { 200: json(SiteList, 'Sites'), ...errorsOf(401) } });
 */
export function taggedRoutes(tag: string) {
  const define =
    <Method extends RouteConfig['method']>(method: Method) =>
    <Path extends string, Parts extends RouteParts>(path: Path, summary: string, parts: Parts) =>
      createRoute({ method, path, tags: [tag], summary, ...parts });
  return { get: define('get'), post: define('post'), put: define('put'), patch: define('patch'), delete: define('delete') };
}
