import { defineConfig } from '@inlang/paraglide-js';

/**
 * How Paraglide compiles messages/*.json into src/lib/paraglide, read by both the Vite plugin
 * (dev and build) and `paraglide-js compile` (typecheck, unit tests).
 *
 * The locale is the one the reader chose with the header's switch (a cookie), else the first
 * of their browser's languages we have, else English. URLs carry no locale. This strategy is
 * the server's (paraglideMiddleware in src/hooks.server.ts); in the browser, the page keeps the
 * language the server rendered it in until the reader switches (`followInBrowser` in
 * src/lib/i18n/i18n.svelte.ts).
 */
export default defineConfig({
  outdir: './src/lib/paraglide',
  strategy: ['cookie', 'preferredLanguage', 'baseLocale'],
  cookieName: 'loupe_locale',
  cookieMaxAge: 60 * 60 * 24 * 365,
});
