/**
 * The built web app as `make start` runs it (web/server.ts): the /_app/ assets and static files,
 * which adapter-node serves before SvelteKit's hooks run, carry the security headers too. No
 * browser, api or livekit-server: none of these responses needs them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, startWebProcess, type RunningApp } from '@loupe/stack';

let web: RunningApp;

beforeAll(async () => {
  await buildWebIfStale();
  // Nothing listens on port 9: a signed-out visitor's pages and files never ask the api.
  web = await startWebProcess({ apiUrl: 'http://127.0.0.1:9', livekit: { wsUrl: 'ws://127.0.0.1:7880' } });
});
afterAll(() => web?.stop());

function expectSecurityHeaders(res: Response, what: string) {
  expect(res.status, what).toBe(200);
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
  expect(res.headers.get('x-frame-options'), what).toBe('DENY');
}

describe('the web server’s headers', () => {
  it('every script and stylesheet the sign-in page loads is nosniff, and still cached for good', async () => {
    const page = await fetch(`${web.url}/login`);
    expectSecurityHeaders(page, '/login');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const assets = [...new Set((await page.text()).match(/\/_app\/immutable\/[^"'\s)]+\.(?:js|css)/g))];
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await fetch(`${web.url}${asset}`);
      expectSecurityHeaders(res, asset);
      expect(res.headers.get('content-type'), asset).toMatch(asset.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      expect(res.headers.get('cache-control'), asset).toContain('immutable');
      await res.arrayBuffer();
    }
  });

  it('a file from web/static is nosniff too', async () => {
    const res = await fetch(`${web.url}/favicon.svg`);
    expectSecurityHeaders(res, '/favicon.svg');
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(await res.text()).toContain('<svg');
  });
});
