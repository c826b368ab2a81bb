import { error } from '@sveltejs/kit';
import { PROTOCOL_EDIT_ROLES } from '@loupe/protocol';
import type { PageServerLoad } from './$types';
import { requireUser } from '$lib/server/require-user.ts';
import { loadProtocolVersion } from '$lib/protocols/load-version.server.ts';

/** The editor, filled from `?from=` (a version; the latest by default). */
export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  if (!PROTOCOL_EDIT_ROLES.includes(user.role)) error(403, { message: 'QC leads and admins only', code: 'forbidden' });
  const { versions, chosen: from } = await loadProtocolVersion(event, 'from');
  return { from, nextVersion: versions[0]!.version + 1 };
};
