import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

export const load: PageServerLoad = async (event) => {
  requireUser(event.locals, event.url);
  const report = await unwrap(serverApi(event).exams[':id'].report.$get({ param: { id: event.params.id } })).catch((err) => loadFailure(err, event.url));
  return { report };
};
