/**
 * The web server's environment; see .env.example. No `$env` or `$lib` imports: server.ts parses
 * it with Node before SvelteKit loads, and env.ts with what SvelteKit hands the app.
 */
import { z } from 'zod';
import { SharedEnv, envInteger, envUrl, parseEnv } from '@loupe/protocol';

const WebEnv = SharedEnv.pick({ LOUPE_API_URL: true, LIVEKIT_PUBLIC_URL: true, LOUPE_LIVEKIT_URLS: true });

/** adapter-node's variables: those server.ts acts on, and ORIGIN, which its handler reads. */
const ServerEnv = WebEnv.extend({
  HOST: z.string().default('0.0.0.0'),
  PORT: envInteger(0, 65535).default(3000),
  SOCKET_PATH: z.string().optional(),
  ORIGIN: envUrl('http', 'https').optional(),
  SHUTDOWN_TIMEOUT: envInteger(0, 86_400).default(30),
  KEEP_ALIVE_TIMEOUT: envInteger(0, 86_400).optional(),
  HEADERS_TIMEOUT: envInteger(0, 86_400).optional(),
});

export type WebConfig = {
  /** Where the web server finds the api (server side only; browsers go through /api). */
  apiUrl: string;
  /**
   * The livekit-server nodes browsers connect to: the same variables and default as the api's,
   * which hands one of them out with every room token (LOUPE_LIVEKIT_URLS in a cluster, else
   * LIVEKIT_PUBLIC_URL). The pages' CSP allows exactly their origins.
   */
  livekitPublicUrls: URL[];
};

export type ServerConfig = {
  listen: { path: string } | { host: string; port: number };
  shutdownMs: number;
  keepAliveMs: number | undefined;
  headersMs: number | undefined;
};

/** What the app's server code needs; throws naming every bad variable (parseEnv). */
export function parseWebConfig(env: Readonly<Record<string, string | undefined>>): WebConfig {
  const e = parseEnv(WebEnv, env);
  const livekit = e.LOUPE_LIVEKIT_URLS ?? [e.LIVEKIT_PUBLIC_URL];
  return { apiUrl: e.LOUPE_API_URL.replace(/\/$/, ''), livekitPublicUrls: livekit.map((url) => new URL(url)) };
}

/** Everything server.ts checks before it loads the app: the app's variables and adapter-node's. */
export function parseServerConfig(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const e = parseEnv(ServerEnv, env);
  const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);
  return {
    listen: e.SOCKET_PATH ? { path: e.SOCKET_PATH } : { host: e.HOST, port: e.PORT },
    shutdownMs: e.SHUTDOWN_TIMEOUT * 1000,
    keepAliveMs: ms(e.KEEP_ALIVE_TIMEOUT),
    headersMs: ms(e.HEADERS_TIMEOUT),
  };
}
