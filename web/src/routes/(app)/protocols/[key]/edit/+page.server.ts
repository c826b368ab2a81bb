import { error } from '@sveltejs/kit';
import { PROTOCOL_EDIT_ROLES } from '@loupe/protocol';
import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

/** The editor, filled from `?from=` (a version; the latest by default). */
export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  if (!PROTOCOL_EDIT_ROLES.includes(user.role)) error(403, { message: 'QC leads and admins only', code: 'forbidden' });
  const { protocols: versions } = await unwrap(serverApi(event).protocols[':key'].$get({ param: { key: event.params.key } })).catch((err) =>
    loadFailure(err, event.url),
  );
  const asked = event.url.searchParams.get('from');
  const from = asked ? versions.find((p) => String(p.version) === asked) : versions[0];
  if (!from) error(404, { message: 'No such version of this protocol', code: 'not_found' });
  return { from, nextVersion: versions[0]!.version + 1 };
};
