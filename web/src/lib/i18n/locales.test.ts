import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { zh } from './zh.ts';
import { localeFromAcceptLanguage, translate } from './locales.ts';

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

  it('fills placeholders', () => {
    expect(translate('zh', 'session.join', { role: '指导专家' })).toBe('以指导专家身份加入');
    expect(translate('en', 'nav.signedInAs', { name: 'Dr. Chen' })).toBe('Signed in as Dr. Chen');
  });
});
