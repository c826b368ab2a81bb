import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { zh } from './zh.ts';
import { dateLocale, localeFromAcceptLanguage, preferredLanguages, translate } from './locales.ts';

describe('i18n', () => {
  it('Chinese is complete and keeps every placeholder of the English text', () => {
    for (const [key, english] of Object.entries(en)) {
      const chinese = zh[key as keyof typeof en];
      expect(chinese, key).toBeTruthy();
      const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(placeholders(chinese), key).toEqual(placeholders(english));
    }
  });

  it('follows the browser language, preferring the highest weight', () => {
    expect(localeFromAcceptLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh');
    expect(localeFromAcceptLanguage('fr-FR,en;q=0.5,zh;q=0.4')).toBe('en');
    expect(localeFromAcceptLanguage('en;q=0.3,zh-TW;q=0.8')).toBe('zh');
    expect(localeFromAcceptLanguage(null)).toBe('en');
    expect(localeFromAcceptLanguage('de')).toBe('en');
  });

  it('reads the reader’s languages in the order they want them, leaving out what is not a language', () => {
    expect(preferredLanguages('en-US,en;q=0.9,zh-CN;q=0.8')).toEqual(['en-US', 'en', 'zh-CN']);
    expect(preferredLanguages('zh;q=0.5, en-gb')).toEqual(['en-GB', 'zh']);
    expect(preferredLanguages('*, not a tag!, de')).toEqual(['de']);
    expect(preferredLanguages(null)).toEqual([]);
  });

  it('writes dates in the reader’s own form of the page’s language, as their browser lays out date fields', () => {
    expect(dateLocale('en', ['en-US', 'en'])).toBe('en-US');
    expect(dateLocale('en', ['fr-FR', 'en-AU'])).toBe('en-AU');
    // Chinese chosen by a reader whose browser speaks no Chinese, and the reverse.
    expect(dateLocale('zh', ['en-US'])).toBe('zh-CN');
    expect(dateLocale('en', ['zh-CN'])).toBe('en-GB');
    expect(dateLocale('zh', ['zh-TW'])).toBe('zh-TW');
    const day = new Date(Date.UTC(2036, 11, 3, 12));
    const write = (tag: string) => new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeZone: 'UTC' }).format(day);
    expect(write(dateLocale('en', ['en-US']))).toBe('Dec 3, 2036');
    expect(write(dateLocale('en', []))).toBe('3 Dec 2036');
  });

  it('fills placeholders', () => {
    expect(translate('zh', 'session.join', { role: '指导专家' })).toBe('以指导专家身份加入');
    expect(translate('en', 'nav.signedInAs', { name: 'Dr. Chen' })).toBe('Signed in as Dr. Chen');
  });
});
