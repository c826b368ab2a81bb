import { getContext, setContext } from 'svelte';
import { cookieMaxAge, cookieName, overwriteGetLocale, overwriteSetLocale, type Locale } from '../paraglide/runtime.js';
import { dateLocale } from './locales.ts';

/**
 * The page's language, shared through Svelte context; set from the layout's data. Messages
 * come from Paraglide (`m.*()` in `$lib/paraglide/messages.js`); this holds what they do not:
 * the reader's own languages, and dates written the way the reader reads them.
 */
export class I18n {
  locale = $state<Locale>('en');
  /** The reader's languages, most wanted first (their browser's Accept-Language). */
  languages = $state<readonly string[]>([]);
  /** The tag dates are written in, and date fields are marked with (`lang`). */
  readonly dateLocale = $derived(dateLocale(this.locale, this.languages));

  constructor(locale: Locale, languages: readonly string[] = []) {
    this.locale = locale;
    this.languages = languages;
  }

  /** A date and time in the reader's language, in their own time zone; `medium` shows seconds. */
  dateTime = (iso: string, timeStyle: 'short' | 'medium' = 'short'): string =>
    new Intl.DateTimeFormat(this.dateLocale, { dateStyle: 'medium', timeStyle }).format(new Date(iso));

  /**
   * A date field's value (`2036-12-03`, or `2036-12-03T09:30` with the time) spelled out under
   * the field. Browsers lay their date fields out in their own language whatever the page's
   * (Chromium ignores `lang`), so 03/12/2036 could be read either way round: this cannot.
   */
  spelledOut = (value: string): string => {
    const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
    // A day alone is taken at noon: midnight UTC would be the day before west of Greenwich.
    const when = new Date(dayOnly ? `${value}T12:00` : value);
    if (!value || Number.isNaN(when.getTime())) return '';
    return new Intl.DateTimeFormat(this.dateLocale, { dateStyle: 'full', ...(dayOnly ? {} : { timeStyle: 'short' }) }).format(when);
  };

  /** A day in the reader's language and time zone. */
  date = (iso: string): string => new Intl.DateTimeFormat(this.dateLocale, { dateStyle: 'medium' }).format(new Date(iso));
}

/**
 * In the browser, makes Paraglide's locale this page's: `getLocale()` reads `i18n.locale`, so
 * every `m.*()` a component renders follows a switch at once, and `setLocale()` switches
 * without reloading the page and keeps the choice in the cookie the server reads.
 *
 * Paraglide's own client strategies would re-detect the language from `navigator.languages`,
 * which need not match the Accept-Language the server rendered the page for, and they write
 * the cookie on the first message rendered: the reader would be held to today's browser
 * language for a year without ever having chosen it. The server keeps Paraglide's strategy
 * (cookie, then Accept-Language) through `paraglideMiddleware` in hooks.server.ts.
 */
export function followInBrowser(i18n: I18n): void {
  overwriteGetLocale(() => i18n.locale);
  overwriteSetLocale((locale) => {
    document.cookie = `${cookieName}=${locale}; path=/; max-age=${cookieMaxAge}; samesite=lax`;
    i18n.locale = locale;
  });
}

const KEY = Symbol('i18n');

export function provideI18n(i18n: I18n): I18n {
  return setContext(KEY, i18n);
}

export function useI18n(): I18n {
  return getContext<I18n>(KEY);
}
