import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
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

/** For the few routes with a rate limit; the Retry-After header says when to try again. */
export const rateLimited = error('Too many requests; try again after Retry-After seconds');
