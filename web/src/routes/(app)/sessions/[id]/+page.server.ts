import { VITALS_ROLES, mayAct } from '@loupe/protocol';
import type { PageServerLoad } from './$types';
import { unwrap } from '$lib/api/client.ts';
import { serverApi } from '$lib/server/api.ts';
import { requireUser } from '$lib/server/require-user.ts';
import { loadFailure } from '$lib/server/load-failure.ts';

export const load: PageServerLoad = async (event) => {
  const user = requireUser(event.locals, event.url);
  const api = serverApi(event);
  const [session, { sites }] = await Promise.all([unwrap(api.sessions[':id'].$get({ param: { id: event.params.id } })), unwrap(api.sites.$get())]).catch(
    (err) => loadFailure(err, event.url),
  );
  const canManage = session.myRole === 'host' || user.role === 'admin';
  const siteName = (id: string | null) => sites.find((s) => s.id === id)?.name ?? null;
  // The host and mentors bind the session's monitor and set its alarm limits.
  const canSetMonitor = session.status !== 'ended' && mayAct(user.role, session.myRole, VITALS_ROLES);
  const vitals = canSetMonitor
    ? await unwrap(api.sessions[':id'].vitals.$get({ param: { id: session.id } })).catch((err) => loadFailure(err, event.url))
    : null;
  return {
    session,
    canManage,
    scanningSite: siteName(session.siteId),
    reviewingSite: siteName(session.reviewSiteId),
    vitals: vitals && { deviceId: vitals.deviceId, limits: vitals.limits },
  };
};
