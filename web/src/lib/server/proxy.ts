import type { RequestEvent } from '@sveltejs/kit';
import { API_URL } from './env.ts';

export const API_PREFIX = '/api';

// Hop-by-hop headers, and ones Node's fetch sets itself.
const DROPPED_REQUEST_HEADERS = ['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length'];
const DROPPED_RESPONSE_HEADERS = ['content-encoding', 'content-length', 'transfer-encoding', 'connection'];

/**
 * Forwards /api/* to the api so the browser talks to one origin: the session cookie stays
 * first-party and SameSite, and no CORS is ever needed.
 */
export async function proxyToApi(event: RequestEvent): Promise<Response> {
  const target = `${API_URL}${event.url.pathname.slice(API_PREFIX.length) || '/'}${event.url.search}`;
  const headers = new Headers(event.request.headers);
  for (const name of DROPPED_REQUEST_HEADERS) headers.delete(name);
  headers.set('x-forwarded-for', event.getClientAddress());
  const hasBody = !['GET', 'HEAD'].includes(event.request.method);
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: event.request.method,
      headers,
      body: hasBody ? event.request.body : undefined,
      redirect: 'manual',
      // Node's fetch needs this to stream a request body.
      ...(hasBody ? { duplex: 'half' } : {}),
    } as RequestInit);
  } catch {
    return Response.json(
      { error: { code: 'internal', message: 'The Loupe api is not reachable' } },
      { status: 502 },
    );
  }
  const responseHeaders = new Headers(upstream.headers);
  for (const name of DROPPED_RESPONSE_HEADERS) responseHeaders.delete(name);
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
}
