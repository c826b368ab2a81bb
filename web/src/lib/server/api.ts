import type { RequestEvent } from '@sveltejs/kit';
import { apiClient } from '$lib/api/client.ts';
import { API_URL } from './env.ts';

/** The typed api client for server-side loads, acting as the signed-in browser. */
export function serverApi(event: Pick<RequestEvent, 'request' | 'fetch' | 'getClientAddress'>) {
  const cookie = event.request.headers.get('cookie');
  // The browser's address, as the /api proxy passes it too: the api's audit log keeps it.
  const headers = { 'x-forwarded-for': event.getClientAddress(), ...(cookie ? { cookie } : {}) };
  return apiClient(API_URL, fetch, headers);
}
