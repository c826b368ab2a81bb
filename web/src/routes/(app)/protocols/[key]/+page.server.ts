import { error } from '@sveltejs/kit';
import { PROTOCOL_EDIT_ROLES } from '@loupe/protocol';
import type { PageServerLoad } from './$types';
import { requireUser } from '$lib/server/require-user.ts';
import { PROTOCOL_PAGE_ROLES } from '$lib/protocols/labels.ts';
import { loadProtocolVersion } from '$lib/protocols/load-version.server.ts';

/** Every version of one protocol, newest first; `?version=` picks the one shown (the latest by default). */
export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  if (!PROTOCOL_PAGE_ROLES.includes(user.role)) error(403, { message: 'QC leads, admins and mentors only', code: 'forbidden' });
  const { versions, chosen: shown } = await loadProtocolVersion(event, 'version');
  return { versions, shown, canEdit: PROTOCOL_EDIT_ROLES.includes(user.role) };
};
