import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';

// An IPv4 client of a dual-stack socket appears as ::ffff:a.b.c.d.
const plain = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/**
 * The address of the person's browser. Browsers reach the api through the web server's /api
 * proxy, which sets X-Forwarded-For to the browser's address; the header is believed only from
 * a trusted proxy (loopback by default), since any other caller could write anything in it.
 * The rightmost entry is the one the nearest proxy wrote. In-process requests (tests) have no
 * socket: 'unknown', unless they pass one.
 */
export function clientAddress(c: Context, trustedProxies: readonly string[]): string {
  const socket = (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket;
  const peer = socket?.remoteAddress ? plain(socket.remoteAddress) : undefined;
  if (peer && trustedProxies.includes(peer)) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return plain(forwarded);
  }
  return peer ?? 'unknown';
}
