import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

export const load: PageServerLoad = async (event) => {
  requireUser(event.locals, event.url);
  const api = serverApi(event);
  const param = { id: event.params.id };
  const [item, { stills }] = await Promise.all([unwrap(api.cases[':id'].$get({ param })), unwrap(api.cases[':id'].stills.$get({ param }))]).catch((err) =>
    loadFailure(err, event.url),
  );
  const t = Number.parseFloat(event.url.searchParams.get('t') ?? '');
  return { item, stills, startMs: Number.isFinite(t) && t >= 0 ? Math.round(t * 1000) : 0 };
};
