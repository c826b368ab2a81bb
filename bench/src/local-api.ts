import { join } from 'node:path';
import { ROOT, freePort, spawnService, waitForHttp, type LiveKit, type Service } from '@loupe/stack';

/**
 * The api as its own process on `dbUrl`; with `livekit` it opens rooms and issues tokens on that
 * server, as it does in Loupe (without one, what needs a room answers 503).
 */
export async function startLocalApi(dbUrl: string, livekit?: LiveKit): Promise<{ url: string; service: Service }> {
  const port = await freePort();
  const keys = livekit
    ? { LIVEKIT_URL: livekit.wsUrl, LIVEKIT_API_KEY: livekit.apiKey, LIVEKIT_API_SECRET: livekit.apiSecret }
    : { LIVEKIT_API_KEY: 'APIbench', LIVEKIT_API_SECRET: 'bench-secret-that-is-long-enough-0000000' };
  const service = spawnService('api', process.execPath, ['src/main.ts'], {
    cwd: join(ROOT, 'api'),
    env: {
      LOUPE_DB_URL: dbUrl,
      LOUPE_API_PORT: String(port),
      ...keys,
      // The measures load the api as one user from many clients (5000 tokens, thousands of
      // searches): far past the per-user limits that stop abuse, which would measure 429s.
      LOUPE_TOKENS_PER_MINUTE: '1000000',
      LOUPE_TOKEN_BURST: '1000000',
      LOUPE_SEARCHES_PER_MINUTE: '1000000',
      LOUPE_SEARCH_BURST: '1000000',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, 30_000);
  return { url, service };
}

/** Signs in over HTTP; the `loupe_session=…` cookie to send. */
export async function signIn(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return /loupe_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0];
}
