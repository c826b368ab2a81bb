import { hc } from 'hono/client';
import type { AppType } from '@loupe/api';
import type { ConflictReason, ErrorCode } from '@loupe/protocol';

/** The typed api client; the browser reaches the api through the web server's /api proxy. */
export function apiClient(base: string, fetchFn: typeof fetch = fetch, headers: Record<string, string> = {}) {
  return hc<AppType>(base, { fetch: fetchFn, headers });
}

export type ApiClient = ReturnType<typeof apiClient>;

/** An api error with its code and message, or `network` when the api could not be reached. */
export class ApiFailure extends Error {
  readonly code: ErrorCode | 'network';
  readonly status: number;
  /** With `rate_limited`: the seconds the api asked to wait (its Retry-After). */
  readonly retryAfter: number | null;
  /** With `conflict`: why, for the page to say it in the reader's words. */
  readonly reason: ConflictReason | null;

  constructor(code: ErrorCode | 'network', message: string, status: number, extra: { retryAfter?: number | null; reason?: ConflictReason | null } = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.retryAfter = extra.retryAfter ?? null;
    this.reason = extra.reason ?? null;
  }
}

type AnyResponse = { ok: boolean; status: number; headers: Headers; json(): Promise<unknown> };
/** The body type of the successful members of a typed client's response union. */
type Success<R> = R extends { ok: true; json(): Promise<infer T> } ? T : never;

/**
 * The body of a successful response, or an ApiFailure.
 * @example const session = await unwrap(api.sessions[':id'].$get({ param: { id } }));
 */
export async function unwrap<R extends AnyResponse>(request: Promise<R>): Promise<Success<R>> {
  let res: R;
  try {
    res = await request;
  } catch {
    throw new ApiFailure('network', 'The api could not be reached', 0);
  }
  if (res.ok) return (await res.json()) as Success<R>;
  const body = (await res.json().catch(() => null)) as { error?: { code: ErrorCode; message: string; reason?: ConflictReason } } | null;
  const retryAfter = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
  throw new ApiFailure(body?.error?.code ?? 'internal', body?.error?.message ?? `HTTP ${res.status}`, res.status, {
    retryAfter: Number.isFinite(retryAfter) ? retryAfter : null,
    reason: body?.error?.reason ?? null,
  });
}
