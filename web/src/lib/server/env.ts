import { env } from '$env/dynamic/private';

/** Where the web server finds the api (server side only; browsers go through /api). */
export const API_URL = (env.LOUPE_API_URL ?? 'http://127.0.0.1:8787').replace(/\/$/, '');

/**
 * The livekit-server browsers connect to: the same variable and default as the api's, which
 * hands this URL out with every room token. The pages' CSP allows exactly its origin.
 */
export const LIVEKIT_PUBLIC_URL = livekitUrl(env.LIVEKIT_PUBLIC_URL || 'ws://127.0.0.1:7880');

function livekitUrl(value: string): URL {
  const url = URL.parse(value);
  if (!url || !['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) {
    throw new Error(`LIVEKIT_PUBLIC_URL must be a ws:// or wss:// URL, not "${value}"`);
  }
  return url;
}
