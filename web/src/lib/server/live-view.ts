import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { SESSION_ROLE_VIEW } from '@loupe/protocol';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from './api.ts';
import { loadFailure } from './load-failure.ts';
import { requireUser } from './require-user.ts';

export type LiveView = 'theatre' | 'mentor' | 'watch';

/**
 * The session for a live view. Someone whose role opens another view is sent there; anyone
 * invited may watch. An ended session has no live view.
 */
export async function loadLiveView(event: RequestEvent<{ id: string }>, view: LiveView) {
  const user = requireUser(event.locals, event.url);
  const session = await unwrap(serverApi(event).sessions[':id'].$get({ param: { id: event.params.id } })).catch((err) => loadFailure(err, event.url));
  if (!session.myRole) error(403, { message: 'You are not invited to this session', code: 'forbidden' });
  if (session.status === 'ended') redirect(303, `/sessions/${session.id}`);
  const own = SESSION_ROLE_VIEW[session.myRole];
  if (view !== 'watch' && own !== view) redirect(303, `/sessions/${session.id}/${own}`);
  return { session, user };
}
