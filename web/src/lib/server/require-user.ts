import { redirect } from '@sveltejs/kit';
import type { User } from '@loupe/protocol';

/** The signed-in user, or a redirect to sign-in that returns here afterwards. */
export function requireUser(locals: App.Locals, url: URL): User {
  if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  return locals.user;
}
