import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';
import { qcQuery, readFilters } from '$lib/qc/filters.ts';

/** Anyone signed in may open it: the api answers with the exams they may see (their site, or their sessions). */
export const load: PageServerLoad = async (event) => {
  requireUser(event.locals, event.url);
  const filters = readFilters(event.url.searchParams);
  const stats = await unwrap(serverApi(event).qc.stats.$get({ query: qcQuery(filters) })).catch((err) => loadFailure(err, event.url));
  return { filters, stats };
};
