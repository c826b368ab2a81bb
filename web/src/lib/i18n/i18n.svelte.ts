import { getContext, setContext } from 'svelte';
import type { MessageKey } from './en.ts';
import { translate, type Locale } from './locales.ts';

/** The page's language, shared through Svelte context; set from the layout's data. */
export class I18n {
  locale = $state<Locale>('en');

  constructor(locale: Locale) {
    this.locale = locale;
  }

  t = (key: MessageKey, params?: Record<string, string | number>): string => translate(this.locale, key, params);

  /** A date and time in the reader's language, in their own time zone; `medium` shows seconds. */
  dateTime = (iso: string, timeStyle: 'short' | 'medium' = 'short'): string =>
    new Intl.DateTimeFormat(this.locale === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle }).format(new Date(iso));

  /** A day in the reader's language and time zone. */
  date = (iso: string): string => new Intl.DateTimeFormat(this.locale === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium' }).format(new Date(iso));
}

const KEY = Symbol('i18n');

export function provideI18n(i18n: I18n): I18n {
  return setContext(KEY, i18n);
}

export function useI18n(): I18n {
  return getContext<I18n>(KEY);
}
