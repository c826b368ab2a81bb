import { describe, expect, it } from 'vitest';
import { m } from '../paraglide/messages.js';
import { extractLocaleFromRequest } from '../paraglide/runtime.js';
import { inLocale } from './in-locale.ts';
import { dateLocale, preferredLanguages } from './locales.ts';

/** The language the server renders a page in, for a request with these headers. */
const localeFor = (headers: Record<string, string>) => extractLocaleFromRequest(new Request('http://loupe.test/', { headers }));

describe('i18n', () => {
  it('follows the browser language, preferring the highest weight', () => {
    expect(localeFor({ 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' })).toBe('zh');
    expect(localeFor({ 'accept-language': 'fr-FR,en;q=0.5,zh;q=0.4' })).toBe('en');
    expect(localeFor({ 'accept-language': 'en;q=0.3,zh-TW;q=0.8' })).toBe('zh');
    expect(localeFor({})).toBe('en');
    expect(localeFor({ 'accept-language': 'de' })).toBe('en');
  });

  it('keeps the language the reader chose over their browser’s; URLs carry none', () => {
    expect(localeFor({ cookie: 'loupe_session=x; loupe_locale=en', 'accept-language': 'zh-CN' })).toBe('en');
    expect(localeFor({ cookie: 'loupe_locale=zh', 'accept-language': 'en-GB' })).toBe('zh');
    // A cookie from elsewhere, or a language Loupe does not have, falls through to the browser's.
    expect(localeFor({ cookie: 'loupe_locale=fr', 'accept-language': 'zh' })).toBe('zh');
    expect(extractLocaleFromRequest(new Request('http://loupe.test/zh/cases', { headers: { 'accept-language': 'en' } }))).toBe('en');
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

  it('fills placeholders in the page’s language', () => {
    expect(inLocale('zh', () => m.session_join({ role: '指导专家' }))).toBe('以指导专家身份加入');
    expect(inLocale('en', () => m.session_myRole({ role: 'Mentor' }))).toBe('Your role: Mentor');
  });

  it('counts as English does: one chapter, three chapters', () => {
    expect(inLocale('en', () => m.library_chapters({ count: 1 }))).toBe('1 chapter');
    expect(inLocale('en', () => m.library_chapters({ count: 3 }))).toBe('3 chapters');
    expect(inLocale('en', () => m.audit_chainOk({ count: 1 }))).toBe('Chain verified: 1 entry');
    expect(inLocale('zh', () => m.library_chapters({ count: 1 }))).toBe('1 个章节');
  });
});
