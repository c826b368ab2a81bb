import { error } from '@sveltejs/kit';
import { PROTOCOL_EDIT_ROLES } from '@loupe/protocol';
import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';
import { PROTOCOL_PAGE_ROLES } from '$lib/protocols/labels.ts';

/** Every version of one protocol, newest first; `?version=` picks the one shown (the latest by default). */
export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  if (!PROTOCOL_PAGE_ROLES.includes(user.role)) error(403, { message: 'QC leads, admins and mentors only', code: 'forbidden' });
  const { protocols: versions } = await unwrap(serverApi(event).protocols[':key'].$get({ param: { key: event.params.key } })).catch((err) =>
    loadFailure(err, event.url),
  );
  const asked = event.url.searchParams.get('version');
  const shown = asked ? versions.find((p) => String(p.version) === asked) : versions[0];
  if (!shown) error(404, { message: 'No such version of this protocol', code: 'not_found' });
  return { versions, shown, canEdit: PROTOCOL_EDIT_ROLES.includes(user.role) };
};
