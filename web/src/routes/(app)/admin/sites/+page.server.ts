import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  // The api refuses too; this spares a non-admin the calls.
  if (user.role !== 'admin') error(403, { message: 'Administrators only', code: 'forbidden' });
  const api = serverApi(event);
  const [{ sites }, { users }] = await Promise.all([unwrap(api.sites.$get()), unwrap(api.users.$get())]).catch((err) => loadFailure(err, event.url));
  return { sites, people: users };
};
