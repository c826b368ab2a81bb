/**
 * What makes a new password refused, after NIST SP 800-63B §3.1.1.2: no composition rules,
 * but no commonly used, expected or context-specific passwords. Length (12 to 256) is in the
 * schema; this file catches the long-enough ones that are still the first an attacker tries:
 * a common password padded with digits or symbols ("Password123!"), in leetspeak
 * ("p@ssw0rd2024"), repeated ("123456123456"), a keyboard or alphabet run ("qwertyuiop12"),
 * or the person's own name or email. The browser imports this too: the list is kept short.
 */

// The most used passwords of the public breach corpora (the NCSC and SecLists top lists),
// Chinese favourites among them, and words anyone guesses first for a surgical teaching
// system. Compared after the normalisation below, so "Password123!" matches "password".
// prettier-ignore
const COMMON = new Set([
  '123456', '123456789', '12345678', '12345', '1234567', '1234567890', '111111', '123123', '000000',
  '654321', '666666', '888888', '121212', '112233', '159753', '147258369', '987654321', '123321',
  '5201314', '1314520', 'password', 'passwd', 'pass', 'qwerty', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm',
  'qazwsx', 'azerty', 'abc', 'abcd', 'abcdef', 'iloveyou', 'loveyou', 'love', 'loveme', 'lovely',
  'woaini', 'welcome', 'letmein', 'admin', 'administrator', 'root', 'login', 'secret', 'changeme',
  'default', 'guest', 'master', 'monkey', 'dragon', 'shadow', 'sunshine', 'princess', 'football',
  'baseball', 'soccer', 'hockey', 'basketball', 'superman', 'batman', 'starwars', 'pokemon',
  'trustno', 'whatever', 'freedom', 'flower', 'hello', 'hellokitty', 'cheese', 'cookie', 'summer',
  'winter', 'computer', 'internet', 'samsung', 'iphone', 'google', 'killer', 'hunter', 'ranger',
  'buster', 'tigger', 'pepper', 'ginger', 'maggie', 'charlie', 'michael', 'jennifer', 'jessica',
  'michelle', 'ashley', 'nicole', 'daniel', 'thomas', 'robert', 'jordan', 'matthew', 'andrew',
  'joshua', 'amanda', 'taylor', 'harley', 'mustang', 'matrix', 'thunder', 'access',
  'loupe', 'hospital', 'surgery', 'surgeon', 'doctor', 'nurse', 'medicine', 'theatre', 'theater',
  'mentor', 'trainee', 'student', 'teacher', 'laparoscopy', 'welcometoloupe',
]);

// Runs along the keyboard, the alphabet and the digits, both ways.
const RUNS = [
  '0123456789012345678901234567890',
  'abcdefghijklmnopqrstuvwxyz',
  'qwertyuiopasdfghjklzxcvbnm',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
  '1q2w3e4r5t6y7u8i9o0p',
  'qazwsxedcrfvtgbyhnujmikolp',
].flatMap((run) => [run, [...run].reverse().join('')]);

const LEET: Record<string, string> = { '@': 'a', '4': 'a', '3': 'e', '1': 'i', '!': 'i', '0': 'o', $: 's', '5': 's', '7': 't' };

/** The shortest unit the text repeats: "abcabc" → "abc". */
function unit(text: string): string {
  const match = /^(.+?)\1+$/u.exec(text);
  return match ? match[1]! : text;
}

/** Lower case, no spaces or separators: "Pass word-1" → "password1". */
const squash = (text: string) => text.toLowerCase().replace(/[\s._-]+/gu, '');

/** The letters a password is built on: padding stripped, leetspeak read, "P@ssw0rd2024!" → "password". */
function core(password: string): string {
  const unpadded = squash(password).replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  return [...unpadded]
    .map((ch) => LEET[ch] ?? ch)
    .join('')
    .replace(/[^\p{L}]/gu, '');
}

const isRun = (text: string) => text.length >= 4 && RUNS.some((run) => run.includes(text));

/** True for a common or predictable password, however it is padded, repeated or spelled. */
export function isCommonPassword(password: string): boolean {
  const whole = squash(password);
  const letters = core(password);
  // The letters count when they are a good part of it: "abc" and ten random digits is not "abc".
  const candidates = letters.length * 3 >= whole.length ? [whole, letters] : [whole];
  return candidates.flatMap((c) => [c, unit(c)]).some((c) => c.length > 0 && (COMMON.has(c) || isRun(c)));
}

/**
 * True when the password is made of the person's own name or email and nothing much else:
 * "ZhangMin1990!" for Prof. Zhang Min, "wang.fang@hospital" for wang.fang@hospital.test.
 */
export function isPersonalPassword(password: string, person: { email: string; name: string }): boolean {
  const letters = core(password);
  const words = `${person.name} ${person.email}`
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((word) => word.length >= 2)
    .sort((a, b) => b.length - a.length);
  const rest = words.reduce((left, word) => left.replaceAll(word, ''), letters);
  return letters.length > 0 && rest.length < 3;
}
