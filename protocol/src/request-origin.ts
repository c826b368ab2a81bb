/**
 * Whether a request that changes something comes from Loupe's own pages, by what the browser
 * says of it. `Sec-Fetch-Site` must be `same-origin` (or `none`: typed by the person), else the
 * `Origin` must be Loupe's own. A page on the same host at another port is same-site but not
 * same-origin: SameSite cookies go with its requests, and a bodiless `no-cors` POST (start or
 * end a session, stop a recording, mint a token, sign out) needs no preflight. A request with
 * neither header is not a browser's (the recorder, a script). The api and the web server's
 * /api proxy both ask it.
 *
 * @example fromOwnOrigin(request.headers, 'https://loupe.hospital.example')
 */
export function fromOwnOrigin(headers: { get(name: string): string | null | undefined }, ownOrigin: string): boolean {
  const site = headers.get('sec-fetch-site');
  if (site) return site === 'same-origin' || site === 'none';
  const origin = headers.get('origin');
  return !origin || origin === ownOrigin;
}
