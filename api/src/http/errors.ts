import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AuditTargetType, ErrorBody, ErrorCode } from '@loupe/protocol';

/** An error a person can act on. Thrown anywhere in a handler; the app turns it into JSON. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ErrorCode;
  /** Response headers that go with the error, e.g. Retry-After with a 429. */
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** A session, recording or case the caller asked for by id. */
export type Resource = { type: AuditTargetType; id: string };

/** The refusal of a resource to a caller: the audit log records each one (audit/request.ts). */
export class AccessRefused extends ApiError {
  readonly resource: Resource;

  constructor(status: 403 | 404, message: string, resource: Resource) {
    super(status, status === 403 ? 'forbidden' : 'not_found', message);
    this.resource = resource;
  }
}

export const notFound = (what: string, resource?: Resource) =>
  resource ? new AccessRefused(404, `${what} not found`, resource) : new ApiError(404, 'not_found', `${what} not found`);
export const forbidden = (message: string, resource?: Resource) =>
  resource ? new AccessRefused(403, message, resource) : new ApiError(403, 'forbidden', message);
