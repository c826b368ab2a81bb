import { describe, expect, it } from 'vitest';
import { nextPath } from './next-path.ts';

const origin = 'https://loupe.hospital.example';

describe('where sign-in leads', () => {
  it('keeps a path of this site, with its query', () => {
    expect(nextPath('/sessions/abc/mentor', origin)).toBe('/sessions/abc/mentor');
    expect(nextPath('/cases?q=adhesions#t', origin)).toBe('/cases?q=adhesions#t');
  });

  it('leads home from anything else anyone could put in the address', () => {
    for (const next of [
      null,
      '',
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      '/%00',
      '\u0000',
      '/x\u0000y',
      ' /x',
      '/\tevil',
    ]) {
      expect(nextPath(next, origin), String(next)).toBe(next === '/%00' ? '/%00' : '/');
    }
  });
});
