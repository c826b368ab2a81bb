import type { Handle } from '@sveltejs/kit';
import { htmlLang, preferredLanguages } from '$lib/i18n/locales.ts';
import { paraglideMiddleware } from '$lib/paraglide/server.js';
import { API_PREFIX, proxyToApi } from '$lib/server/proxy.ts';
import { serverApi } from '$lib/server/api.ts';
import { setPageSecurityHeaders } from '$lib/server/security-headers.ts';

export const handle: Handle = async ({ event, resolve }) => {
  const { pathname } = event.url;
  if (pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`)) return proxyToApi(event);

  // The reader's chosen language (the header's switch sets a cookie), else their browser's;
  // messages rendered for this request are in it (project.inlang/paraglide.config.js).
  return paraglideMiddleware(event.request, async ({ request, locale }) => {
    event.request = request;
    event.locals.locale = locale;
    event.locals.languages = preferredLanguages(request.headers.get('accept-language'));
    event.locals.user = null;
    if (event.cookies.get('loupe_session')) {
      try {
        const res = await serverApi(event).auth.me.$get();
        if (res.ok) event.locals.user = await res.json();
      } catch {
        // The api is down: pages render signed out and say so when they call it.
      }
    }

    const response = await resolve(event, {
      transformPageChunk: ({ html }) => html.replace('%lang%', htmlLang(event.locals.locale)),
    });
    setPageSecurityHeaders(response.headers);
    // A signed-in page holds patient sessions and cases: no cache keeps it after sign-out.
    if (event.locals.user) response.headers.set('cache-control', 'no-store');
    return response;
  });
};
