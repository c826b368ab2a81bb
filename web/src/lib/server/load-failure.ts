import { error, redirect } from '@sveltejs/kit';
import { ApiFailure } from '$lib/api/client.ts';

/** Turns an api failure during a page load into the right page: sign-in, 404, 403 or 502. */
export function loadFailure(err: unknown, url: URL): never {
  if (!(err instanceof ApiFailure)) throw err;
  if (err.code === 'unauthenticated') redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
  if (err.code === 'network') error(502, { message: 'The Loupe api is not reachable', code: 'network' });
  error(err.status || 500, { message: err.message, code: err.code });
}
