import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  const session = await unwrap(serverApi(event).sessions[':id'].$get({ param: { id: event.params.id } })).catch((err) => loadFailure(err, event.url));
  const canManage = session.myRole === 'host' || user.role === 'admin';
  return { session, canManage };
};
