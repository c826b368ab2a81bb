import type { RequestEvent } from '@sveltejs/kit';
import { apiClient } from '$lib/api/client.ts';
import { API_URL } from './env.ts';

/** The typed api client for server-side loads, acting as the signed-in browser. */
export function serverApi(event: Pick<RequestEvent, 'request' | 'fetch'>) {
  const cookie = event.request.headers.get('cookie');
  return apiClient(API_URL, fetch, cookie ? { cookie } : {});
}
