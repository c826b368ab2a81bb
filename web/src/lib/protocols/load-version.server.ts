import { error, type RequestEvent } from '@sveltejs/kit';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

/**
 * A protocol's versions, newest first, and the one the address asks for with `?{param}=` (the
 * latest without it): a 404 page for a version it does not have.
 */
export async function loadProtocolVersion(event: RequestEvent<{ key: string }>, param: 'version' | 'from') {
  const { protocols: versions } = await unwrap(serverApi(event).protocols[':key'].$get({ param: { key: event.params.key } })).catch((err) =>
    loadFailure(err, event.url),
  );
  const asked = event.url.searchParams.get(param);
  const chosen = asked ? versions.find((p) => String(p.version) === asked) : versions[0];
  if (!chosen) error(404, { message: 'No such version of this protocol', code: 'not_found' });
  return { versions, chosen };
}
