/**
 * Headers for every response of the web server, static files included. adapter-node serves
 * /_app/* and static/ with sirv before hooks.server.ts runs, so web/server.ts sets these on
 * every response before the handler answers; pages add their CSP and Permissions-Policy
 * (security-headers.ts). No `$lib` or `$env` imports: server.ts loads this file as it is, outside the build.
 */
export const RESPONSE_HEADERS = {
  // A file is used only as the type it is served as: an upload or static file never turns into a script.
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;
