import type { Locale } from '$lib/paraglide/runtime.js';

export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', zh: '简体中文' };

/** The language tag of a page in `locale`, for `<html lang>` (it also picks the CJK font). */
export function htmlLang(locale: Locale): string {
  return locale === 'zh' ? 'zh-CN' : 'en';
}

/** The language tags of an Accept-Language header, most wanted first; malformed ones left out. */
export function preferredLanguages(header: string | null): string[] {
  return (header ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', q] = part.trim().split(';q=');
      return { tag, q: q === undefined ? 1 : Number(q) };
    })
    .filter((x) => x.tag && x.tag !== '*' && Number.isFinite(x.q))
    .sort((a, b) => b.q - a.q)
    .flatMap(({ tag }) => {
      try {
        return Intl.getCanonicalLocales(tag);
      } catch {
        return [];
      }
    });
}

const DEFAULT_DATE_TAG: Record<Locale, string> = { en: 'en-GB', zh: 'zh-CN' };

/**
 * The tag dates are written in: the reader's own form of the page's language (en-US writes
 * "Dec 3, 2036" and its date fields mm/dd/yyyy; en-GB "3 Dec 2036" and dd/mm/yyyy). Browsers lay
 * out date fields by their own language, so taking the reader's keeps the text beside a field
 * in the same order as the field. `languages`: the reader's, most wanted first.
 */
export function dateLocale(locale: Locale, languages: readonly string[]): string {
  return languages.find((tag) => tag.split('-')[0]!.toLowerCase() === locale) ?? DEFAULT_DATE_TAG[locale];
}
