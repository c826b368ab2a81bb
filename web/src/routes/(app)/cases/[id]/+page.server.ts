import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

export const load: PageServerLoad = async (event) => {
  requireUser(event.locals, event.url);
  const item = await unwrap(serverApi(event).cases[':id'].$get({ param: { id: event.params.id } })).catch((err) => loadFailure(err, event.url));
  const t = Number.parseFloat(event.url.searchParams.get('t') ?? '');
  return { item, startMs: Number.isFinite(t) && t >= 0 ? Math.round(t * 1000) : 0 };
};
