import { LIVEKIT_PUBLIC_URLS } from './env.ts';
import { RESPONSE_HEADERS } from './response-headers.ts';

/**
 * The origins livekit-server answers on for a room URL: the WebSocket for signalling, and
 * plain HTTP(S) on the same host, which livekit-client calls (`/rtc/validate`) to explain a
 * failed connection. TLS or not follows the configured URL; nothing is downgraded.
 */
export function livekitOrigins(url: URL): string[] {
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  return [`${secure ? 'wss' : 'ws'}://${url.host}`, `${secure ? 'https' : 'http'}://${url.host}`];
}

const CONNECT_SRC = ["'self'", ...new Set(LIVEKIT_PUBLIC_URLS.flatMap(livekitOrigins))].join(' ');

// Camera, microphone and screen capture for this origin only (theatre publishes them);
// nothing for any frame, and no features the app has no use for.
const PERMISSIONS_POLICY = 'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()';

/**
 * Headers for every page. SvelteKit wrote the CSP from svelte.config.js (with this response's
 * script nonce); connect-src is added here because it depends on where LiveKit is deployed.
 * The headers of every response are set here too, for `vite dev`, which has no server.ts.
 */
export function setPageSecurityHeaders(headers: Headers): void {
  const csp = headers.get('content-security-policy');
  if (csp) headers.set('content-security-policy', `${csp}; connect-src ${CONNECT_SRC}`);
  for (const [name, value] of Object.entries(RESPONSE_HEADERS)) headers.set(name, value);
  headers.set('permissions-policy', PERMISSIONS_POLICY);
}
