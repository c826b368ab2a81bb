import { error } from '@sveltejs/kit';
import { PACS_QUEUE_ROLES, PACS_RETRY_ROLES, PacsQueueQuery } from '@loupe/protocol';
import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  // The api refuses too; this spares others the calls.
  if (!PACS_QUEUE_ROLES.includes(user.role)) error(403, { message: 'Administrators and QC leads only', code: 'forbidden' });
  // A filter the api would refuse (a hand-edited URL) is dropped, not a 400 page.
  const wanted = { site: event.url.searchParams.get('site') || undefined, state: event.url.searchParams.get('state') || undefined };
  const parsed = PacsQueueQuery.safeParse(wanted);
  const filters = parsed.success ? parsed.data : {};
  const api = serverApi(event);
  const [{ stills }, { sites }] = await Promise.all([unwrap(api.pacs.queue.$get({ query: filters })), unwrap(api.sites.$get())]).catch((err) =>
    loadFailure(err, event.url),
  );
  return {
    stills,
    filters: { site: filters.site ?? '', state: filters.state ?? '' },
    sites: sites.map(({ id, name }) => ({ id, name })),
    canRetry: PACS_RETRY_ROLES.includes(user.role),
  };
};
