/**
 * The web server as a member of the hospital's network would probe it: a page on the same host
 * at another port (same-site, not same-origin) trying to act with a signed-in person's cookie,
 * the proxy's reach, a body far too large, where sign-in leads, what a browser may keep.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@loupe/stack';
import { startBrowserStack, type BrowserStack } from './stack.ts';

let stack: BrowserStack;
let other: Server;
let otherUrl: string;

beforeAll(async () => {
  stack = await startBrowserStack();
  // Another site's page on the same host: what it tries is in its address.
  const port = await freePort();
  otherUrl = `http://127.0.0.1:${port}`;
  other = createServer((req, res) => {
    const target = new URL(req.url ?? '/', otherUrl).searchParams.get('target') ?? '';
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><script>
      fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include' })
        .finally(() => { document.title = 'sent'; });
    </script>`);
  });
  await new Promise<void>((resolve) => other.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => other?.close(resolve));
  await stack?.stop();
});

async function signedIn() {
  const who = await stack.account('surgeon', 'Dr. Probe');
  const context = await stack.contextFor(who);
  return { who, context, page: await context.newPage() };
}

describe('the web server, as an insider would probe it', () => {
  it('a page on the same host at another port cannot sign a person out, start or end their session with their cookie', async () => {
    const { who, context, page } = await signedIn();
    const host = await stack.account('admin', 'Dr. Host');
    const session = await stack.liveSession(host, [{ email: who.email, role: 'host' }], { start: false });
    for (const target of [`/api/sessions/${session.id}/start`, `/api/sessions/${session.id}/token`, '/api/auth/sign-out']) {
      await page.goto(`${otherUrl}/?target=${encodeURIComponent(stack.web.url + target)}`);
      await page.waitForFunction(() => document.title === 'sent');
    }
    // Still signed in, and the session was not started.
    const me = await page.request.get(`${stack.web.url}/api/auth/me`);
    expect(me.status()).toBe(200);
    const now = await (await page.request.get(`${stack.web.url}/api/sessions/${session.id}`)).json();
    expect(now.status).toBe('scheduled');
    await context.close();
  });

  it('keeps the recorder’s routes and LiveKit’s webhooks off the public proxy', async () => {
    for (const path of ['/api/internal/recordings/active', '/api/webhooks/livekit']) {
      const res = await fetch(`${stack.web.url}${path}`, { method: path.includes('webhooks') ? 'POST' : 'GET' });
      expect(res.status, path).toBe(404);
    }
  });

  it('answers a body far too large with 413, and the next request is answered as usual', async () => {
    const { context, page } = await signedIn();
    const cookie = (await context.cookies()).find((c) => c.name === 'loupe_session')!.value;
    const big = await fetch(`${stack.web.url}/api/sessions`, {
      method: 'POST',
      headers: { cookie: `loupe_session=${cookie}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(10 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('invalid_request');
    expect((await page.request.get(`${stack.web.url}/api/auth/me`)).status()).toBe(200);
    // Straight to the api, the same: and its connection is not left unable to answer.
    const direct = await fetch(`${stack.api.url}/sessions`, {
      method: 'POST',
      headers: { cookie: `loupe_session=${cookie}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(direct.status).toBe(413);
    expect((await fetch(`${stack.api.url}/health`)).status).toBe(200);
    await context.close();
  });

  it('sign-in leads only to this site’s own pages, and a signed-in page is not kept by the browser', async () => {
    const { context, page } = await signedIn();
    for (const next of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '%00']) {
      const res = await page.goto(`${stack.web.url}/login?next=${next === '%00' ? next : encodeURIComponent(next)}`);
      expect(res?.status(), next).toBe(200);
      expect(new URL(page.url()).origin, next).toBe(stack.web.url);
      expect(new URL(page.url()).pathname, next).toBe('/');
    }
    const home = await page.goto(`${stack.web.url}/`);
    expect(home?.headers()['cache-control']).toBe('no-store');
    await context.close();
  });
});
