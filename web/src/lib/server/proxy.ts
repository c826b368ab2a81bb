import type { RequestEvent } from '@sveltejs/kit';
import { fromOwnOrigin, maxBodyBytes } from '@loupe/protocol';
import { API_URL } from './env.ts';

export const API_PREFIX = '/api';

// Hop-by-hop headers, and ones Node's fetch sets itself.
const DROPPED_REQUEST_HEADERS = ['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length'];
const DROPPED_RESPONSE_HEADERS = ['content-encoding', 'content-length', 'transfer-encoding', 'connection'];

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];
/** The recorder's routes and LiveKit's webhooks are for the services on the api's own address, not for browsers. */
const NOT_PROXIED = /^\/(internal|webhooks)(\/|$)/;

const refuse = (status: number, code: string, message: string) => Response.json({ error: { code, message } }, { status });

/**
 * Forwards /api/* to the api so the browser talks to one origin: the session cookie stays
 * first-party and SameSite, and no CORS is ever needed. What changes something must come from
 * this origin (the api checks it too), and a body is at most the api's limit.
 */
export async function proxyToApi(event: RequestEvent): Promise<Response> {
  const path = event.url.pathname.slice(API_PREFIX.length) || '/';
  if (NOT_PROXIED.test(path)) return refuse(404, 'not_found', 'No such endpoint');
  const unsafe = !SAFE_METHODS.includes(event.request.method);
  if (unsafe && !fromOwnOrigin(event.request.headers, event.url.origin)) return refuse(403, 'forbidden', 'Request from another site refused');
  const target = `${API_URL}${path}${event.url.search}`;
  const headers = new Headers(event.request.headers);
  for (const name of DROPPED_REQUEST_HEADERS) headers.delete(name);
  headers.set('x-forwarded-for', event.getClientAddress());
  const hasBody = !['GET', 'HEAD'].includes(event.request.method);
  const body = hasBody ? await boundedBody(event.request, maxBodyBytes(path)) : undefined;
  if (body === null) return refuse(413, 'invalid_request', 'Request body too large');
  let upstream: Response;
  try {
    upstream = await fetch(target, { method: event.request.method, headers, body, redirect: 'manual' });
  } catch {
    return Response.json({ error: { code: 'internal', message: 'The Loupe api is not reachable' } }, { status: 502 });
  }
  const responseHeaders = new Headers(upstream.headers);
  for (const name of DROPPED_RESPONSE_HEADERS) responseHeaders.delete(name);
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
}

/** The request's body, or null past the api's limit for its path: read no further than that, whatever it claims. */
async function boundedBody(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (Number(request.headers.get('content-length') ?? 0) > limit) return null;
  const reader = request.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
