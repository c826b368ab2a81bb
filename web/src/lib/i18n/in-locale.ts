import { getLocale, overwriteGetLocale, type Locale } from '../paraglide/runtime.js';

/**
 * Runs `read` with Paraglide's messages in `locale`, for tests of code that renders text. Pages
 * never need it: the server takes each request's language from paraglideMiddleware, the
 * browser from the page (`followInBrowser`).
 */
export function inLocale<T>(locale: Locale, read: () => T): T {
  const before = getLocale;
  overwriteGetLocale(() => locale);
  try {
    return read();
  } finally {
    overwriteGetLocale(before);
  }
}
