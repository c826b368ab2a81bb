import { describe, expect, it } from 'vitest';
import { inLocale } from './in-locale.ts';
import { sessionRoleHint, sessionRoleName } from './roles.ts';

describe('session role names', () => {
  it('call theatre the scan room in an ultrasound session, in both languages, and leave other roles and kinds alone', () => {
    expect(inLocale('en', () => sessionRoleName('theatre', 'ultrasound'))).toBe('Scan room');
    expect(inLocale('zh', () => sessionRoleName('theatre', 'ultrasound'))).toBe('扫查室');
    expect(inLocale('en', () => sessionRoleName('theatre', 'surgery'))).toBe('Theatre');
    expect(inLocale('en', () => sessionRoleName('mentor', 'ultrasound'))).toBe(inLocale('en', () => sessionRoleName('mentor', 'surgery')));
    expect(inLocale('en', () => sessionRoleHint('theatre', 'ultrasound'))).not.toBe(inLocale('en', () => sessionRoleHint('theatre', 'surgery')));
  });
});
