/**
 * The web app in production: `node server.ts` in web/, after `vite build`. adapter-node's own
 * entry (build/index.js) serves /_app/* and static/ with sirv before SvelteKit's hooks run, so
 * those responses went out without the headers hooks.server.ts gives pages, nosniff above all.
 * This is adapter-node's custom server (https://svelte.dev/docs/kit/adapter-node#Custom-server):
 * the same handler behind node:http, with those headers set before it answers anything.
 *
 * The same environment as build/index.js: HOST (0.0.0.0), PORT (3000) or SOCKET_PATH,
 * SHUTDOWN_TIMEOUT, KEEP_ALIVE_TIMEOUT, HEADERS_TIMEOUT here; ORIGIN, PROTOCOL_HEADER,
 * HOST_HEADER, PORT_HEADER, ADDRESS_HEADER, XFF_DEPTH and BODY_SIZE_LIMIT are read by the
 * handler. Not systemd socket activation (LISTEN_FDS), which Loupe does not use.
 */
import { createServer } from 'node:http';
import process from 'node:process';
import { handler } from './build/handler.js';
import { RESPONSE_HEADERS } from './src/lib/server/response-headers.ts';

function fail(message: string): never {
  console.error(`web: ${message}`);
  process.exit(1);
}

/** A whole number from the environment, or `fallback` when unset. */
function whole<T extends number | undefined>(name: string, fallback: T): number | T {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) fail(`${name} must be a whole number, not "${raw}"`);
  return Number(raw);
}

const socketPath = process.env.SOCKET_PATH || undefined;
const host = process.env.HOST || '0.0.0.0';
const port = whole('PORT', 3000);
if (port === undefined || port > 65535) fail(`PORT must be a port number, not "${process.env.PORT}"`);
const shutdownSeconds = whole('SHUTDOWN_TIMEOUT', 30);
const keepAliveSeconds = whole('KEEP_ALIVE_TIMEOUT', undefined);
const headersSeconds = whole('HEADERS_TIMEOUT', undefined);

let stopping = false;

const server = createServer((req, res) => {
  // Before the handler: sirv and SvelteKit add theirs to these, and a page's own values win.
  for (const [name, value] of Object.entries(RESPONSE_HEADERS)) res.setHeader(name, value);
  // A request that finishes during shutdown must not keep its connection open for another.
  req.on('close', () => stopping && server.closeIdleConnections());
  handler(req, res, () => {
    res.statusCode = 404;
    res.end('Not found');
  });
});
if (keepAliveSeconds !== undefined) server.keepAliveTimeout = keepAliveSeconds * 1000;
if (headersSeconds !== undefined) server.headersTimeout = headersSeconds * 1000;

server.listen(socketPath ? { path: socketPath } : { host, port }, () => {
  console.log(`Listening on ${socketPath ?? `http://${host}:${port}`}`);
});

/** As build/index.js: finish the requests under way, then let the process end. */
function shutdown(reason: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  server.closeIdleConnections();
  server.close(() => (process.emit as (event: string, reason: string) => boolean)('sveltekit:shutdown', reason));
  setTimeout(() => server.closeAllConnections(), (shutdownSeconds ?? 30) * 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
