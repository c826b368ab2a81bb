import { describe, expect, it } from 'vitest';
import { CreateUserBody, SignUpBody } from './api.ts';

/** A demo seed password: api/src/seed.ts makes each from 12 random bytes, in base64url. */
function seedPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_');
}

const person = { email: 'wang.fang@hospital.test', name: 'Prof. Wang Fang' };

/** The message a person sees for a new password, or null when it is accepted. */
function verdict(password: string, who = person): string | null {
  const result = SignUpBody.safeParse({ ...who, password });
  return result.success ? null : result.error.issues[0]!.message;
}

describe('the new-password policy', () => {
  it('accepts long passwords of any composition, including the demo seed’s random ones', () => {
    for (const password of [
      'correct horse battery staple',
      'a long enough passphrase',
      'bench passphrase long enough',
      'mi gato come pescado los martes',
      '我的猫每个星期二都喜欢吃鱼',
      'x7#Lq9!vR2@m',
      'carolina beaches in june',
      'fangs of the wang dynasty were sharp',
      ...Array.from({ length: 50 }, seedPassword),
    ]) {
      expect(verdict(password), password).toBeNull();
    }
  });

  it('refuses too short, too long and repetitive passwords with a message that says why', () => {
    expect(verdict('short')).toBe('Password must be at least 12 characters');
    expect(verdict('x'.repeat(257))).toBe('Password must be at most 256 characters');
    expect(verdict('abababababab')).toBe('Password is too repetitive');
  });

  it('refuses common passwords however they are padded, spelled, repeated or run along the keyboard', () => {
    for (const password of [
      'password1234',
      'Password123!',
      'p@ssw0rd2024',
      'P a s s w o r d 1 2',
      '123456789012',
      '123456123456',
      'qwertyuiop12',
      '1qaz2wsx3edc',
      'iloveyou1314',
      'woaini5201314',
      'Welcome2024!',
      'abcdefghijkl',
      '098765432109',
      'Loupe2024!!!',
      'surgeonsurgeon',
    ]) {
      expect(verdict(password), password).toBe('Password is too common or predictable; a few unrelated words make a strong one');
    }
  });

  it('refuses a password made of the person’s own name or email, as the password field’s error', () => {
    for (const password of ['WangFang2024!', 'fang.wang.1990', 'wang.fang@hospital', 'Wang Fang Wang Fang']) {
      const result = SignUpBody.safeParse({ ...person, password });
      expect(result.success, password).toBe(false);
      expect(result.error!.issues[0]).toMatchObject({ path: ['password'], message: 'Password must not be made of your name or email' });
    }
    const admin = CreateUserBody.safeParse({ email: 'li.na@hospital.test', name: 'Li Na', role: 'trainee', password: 'LiNa19900101' });
    expect(admin.error?.issues[0]?.message).toBe('Password must not be made of your name or email');
  });
});
