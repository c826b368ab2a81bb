import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AuditTargetType, ConflictReason, ErrorBody, ErrorCode } from '@loupe/protocol';

/** An error a person can act on. Thrown anywhere in a handler; the app turns it into JSON. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ErrorCode;
  /** Response headers that go with the error, e.g. Retry-After with a 429. */
  readonly headers: Record<string, string>;
  /** Why a 409 conflicts, for the page to word it (see CONFLICT_REASONS). */
  readonly reason: ConflictReason | undefined;

  constructor(status: ContentfulStatusCode, code: ErrorCode, message: string, extra: { headers?: Record<string, string>; reason?: ConflictReason } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = extra.headers ?? {};
    this.reason = extra.reason;
  }
}

export function errorBody(code: ErrorCode, message: string, reason?: ConflictReason): ErrorBody {
  return { error: { code, message, ...(reason ? { reason } : {}) } };
}

/** A 409 with its reason. */
export const conflict = (reason: ConflictReason, message: string) => new ApiError(409, 'conflict', message, { reason });

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
