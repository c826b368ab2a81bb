/**
 * The web app in production: `node server.ts` in web/, after `vite build`. It exists for what
 * adapter-node cannot do: its own entry (build/index.js) serves /_app/* and static/ with sirv
 * before SvelteKit's hooks run, and has no option to add headers to those responses, so they went
 * out without nosniff. Here its handler sits behind node:http with RESPONSE_HEADERS set first
 * (https://svelte.dev/docs/kit/adapter-node#Custom-server). Everything else is done elsewhere: the
 * /api proxy and the pages' headers in hooks.server.ts; listening and shutdown as build/index.js
 * does them, on the same variables (web/src/lib/server/env-schema.ts), minus systemd socket
 * activation, which Loupe does not use. Not a listener added to build/index.js's `server`: that
 * export is not documented and has changed shape (a polka app, then http.Server: sveltejs/kit#16907).
 */
import { createServer } from 'node:http';
import { LARGEST_BODY_BYTES, configOrExit } from '@loupe/protocol';
import { parseServerConfig } from './src/lib/server/env-schema.ts';
import { RESPONSE_HEADERS } from './src/lib/server/response-headers.ts';

const config = configOrExit('web', parseServerConfig, process);
// adapter-node reads its body limit (512 KB by default) as its handler loads: a still upload is
// larger. The /api proxy holds each path to the api's own limit (protocol/src/body-limits.ts).
process.env.BODY_SIZE_LIMIT ??= String(LARGEST_BODY_BYTES);
// Loaded once the environment is known good: SvelteKit's hooks read it as they load.
const { handler } = await import('./build/handler.js');

let stopping = false;
const server = createServer((req, res) => {
  // Before the handler: sirv and SvelteKit add theirs to these, and a page's own values win.
  for (const [name, value] of Object.entries(RESPONSE_HEADERS)) res.setHeader(name, value);
  // A request that finishes during shutdown must not keep its connection open for another.
  req.on('close', () => stopping && server.closeIdleConnections());
  // No fallback: SvelteKit, last in the handler, answers whatever the files did not.
  handler(req, res);
});
if (config.keepAliveMs !== undefined) server.keepAliveTimeout = config.keepAliveMs;
if (config.headersMs !== undefined) server.headersTimeout = config.headersMs;
const { listen } = config;
server.listen(listen, () => console.log(`Listening on ${'path' in listen ? listen.path : `http://${listen.host}:${listen.port}`}`));

/** As build/index.js: finish the requests under way, then let the process end. */
function shutdown(reason: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  server.closeIdleConnections();
  server.close(() => (process.emit as (event: string, reason: string) => boolean)('sveltekit:shutdown', reason));
  setTimeout(() => server.closeAllConnections(), config.shutdownMs).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
