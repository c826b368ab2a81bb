import { describe, expect, it } from 'vitest';
import { libraryHref } from './library-url.ts';

describe('the library’s address', () => {
  it('carries the search words, the specialty, the site and the page, and nothing empty', () => {
    expect(libraryHref({ q: ' gallbladder adhesions ', specialty: '' })).toBe('/cases?q=gallbladder+adhesions');
    expect(libraryHref({ q: '胆囊', specialty: 'General surgery', page: 2 })).toBe('/cases?q=%E8%83%86%E5%9B%8A&specialty=General+surgery&page=2');
    expect(libraryHref({ q: '', specialty: '  ' })).toBe('/cases');
    const site = '0b8a51c4-5d3e-4c71-9b0e-2f6a8d1e7c40';
    expect(libraryHref({ q: '', specialty: '', site, page: 3 })).toBe(`/cases?site=${site}&page=3`);
  });
});
