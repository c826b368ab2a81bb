/**
 * Where to go after signing in: a path of this site only. `next` comes from the address bar, so
 * anyone can write one: `https://evil.example`, `//evil.example`, `/\evil.example` (browsers
 * read `\` as `/`), `javascript:…`, or control characters; each leads home instead.
 */
export function nextPath(next: string | null, origin: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it turns away
  if (!next || !next.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return '/';
  }
  return url.origin === origin ? `${url.pathname}${url.search}${url.hash}` : '/';
}
