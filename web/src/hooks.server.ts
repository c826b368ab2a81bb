import type { Handle } from '@sveltejs/kit';
import { htmlLang, isLocale, localeFromAcceptLanguage, LOCALE_COOKIE, preferredLanguages } from '$lib/i18n/locales.ts';
import { API_PREFIX, proxyToApi } from '$lib/server/proxy.ts';
import { serverApi } from '$lib/server/api.ts';
import { setPageSecurityHeaders } from '$lib/server/security-headers.ts';

export const handle: Handle = async ({ event, resolve }) => {
  const { pathname } = event.url;
  if (pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`)) return proxyToApi(event);

  const chosen = event.cookies.get(LOCALE_COOKIE);
  const accepted = event.request.headers.get('accept-language');
  event.locals.languages = preferredLanguages(accepted);
  event.locals.locale = isLocale(chosen) ? chosen : localeFromAcceptLanguage(accepted);
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
};
