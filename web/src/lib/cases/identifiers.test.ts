import { describe, expect, it } from 'vitest';
import { identifierIn } from './identifiers.ts';

describe('patient identifier warning', () => {
  it.each([
    ['Mrs. Wang presented with biliary colic', 'a name with a title'],
    ['患者王芳，女，45岁', 'a Chinese name with 患者/病人'],
    ['MRN 00123456', 'a record number'],
    ['住院号：2026001234', 'a record number'],
    ['DOB 1981-03-14', 'a date of birth'],
    ['身份证 11010519491231002X', 'an ID card number'],
  ])('flags “%s”', (text, what) => {
    expect(identifierIn(text)).toBe(what);
  });

  it.each(['Critical view of safety achieved', 'The mentor demonstrates the dissection plane', '3 ports, 45 minutes', '2026 teaching series'])(
    'leaves teaching text alone: “%s”',
    (text) => {
      expect(identifierIn(text)).toBeNull();
    },
  );
});
