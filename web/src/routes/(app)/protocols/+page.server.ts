import { error } from '@sveltejs/kit';
import { PROTOCOL_EDIT_ROLES } from '@loupe/protocol';
import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';
import { PROTOCOL_PAGE_ROLES } from '$lib/protocols/labels.ts';

export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  if (!PROTOCOL_PAGE_ROLES.includes(user.role)) error(403, { message: 'QC leads, admins and mentors only', code: 'forbidden' });
  const { protocols } = await unwrap(serverApi(event).protocols.$get()).catch((err) => loadFailure(err, event.url));
  return { protocols, canEdit: PROTOCOL_EDIT_ROLES.includes(user.role) };
};
