import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

const PAGE_SIZE = 12;

export const load: PageServerLoad = async (event) => {
  requireUser(event.locals, event.url);
  const q = event.url.searchParams.get('q')?.trim() ?? '';
  const specialty = event.url.searchParams.get('specialty')?.trim() ?? '';
  const site = event.url.searchParams.get('site')?.trim() ?? '';
  const page = Math.max(1, Number.parseInt(event.url.searchParams.get('page') ?? '1', 10) || 1);
  const query = {
    ...(q ? { q } : {}),
    ...(specialty ? { specialty } : {}),
    ...(site ? { site } : {}),
    page: String(page),
    pageSize: String(PAGE_SIZE),
  };
  const api = serverApi(event);
  const [list, { sites }] = await Promise.all([unwrap(api.cases.$get({ query })), unwrap(api.sites.$get())]).catch((err) => loadFailure(err, event.url));
  return { ...list, q, specialty, site, sites };
};
