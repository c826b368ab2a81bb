import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';
import { auditQuery, readFilters } from '$lib/audit/filters.ts';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  // The api refuses too; this spares a non-admin the five calls.
  if (user.role !== 'admin') error(403, { message: 'Administrators only', code: 'forbidden' });
  const filters = readFilters(event.url.searchParams);
  const api = serverApi(event);
  const [list, chain, { users }, { sessions }, { sites }] = await Promise.all([
    unwrap(api.audit.$get({ query: auditQuery(filters, PAGE_SIZE) })),
    unwrap(api.audit.verify.$get()),
    unwrap(api.users.$get()),
    unwrap(api.sessions.$get()),
    unwrap(api.sites.$get()),
  ]).catch((err) => loadFailure(err, event.url));
  return {
    ...list,
    chain,
    filters,
    people: users.map(({ id, name }) => ({ id, name })),
    sessions: sessions.map(({ id, title, scheduledAt }) => ({ id, title, scheduledAt })),
    sites: sites.map(({ id, name }) => ({ id, name })),
  };
};
