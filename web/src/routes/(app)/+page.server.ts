import type { PageServerLoad } from './$types';
import { ROLES_THAT_SCHEDULE } from '@loupe/protocol';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  const api = serverApi(event);
  const canSchedule = ROLES_THAT_SCHEDULE.includes(user.role);
  const [{ sessions }, { sites }] = await Promise.all([unwrap(api.sessions.$get()), canSchedule ? unwrap(api.sites.$get()) : { sites: [] }]).catch((err) =>
    loadFailure(err, event.url),
  );
  return { sessions, canSchedule, sites, mySiteId: user.siteId };
};
