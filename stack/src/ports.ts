import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The first port the kernel hands out on its own (for outgoing connections and a bind to port 0:
 * browsers' and rtc-node's ICE sockets among them). A port chosen below it cannot be taken by
 * those between the choice and the service's bind: livekit-server once found its RTC port so taken.
 */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}
const PORTS = { low: 15_000, high: Math.max(20_000, ephemeralLow()) };

/** Whether a TCP port can be bound on 127.0.0.1 now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1, outside the kernel's ephemeral range. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = PORTS.low + Math.floor(Math.random() * (PORTS.high - PORTS.low));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${PORTS.low} and ${PORTS.high}`);
}

/**
 * How long a service may take to answer after it is started. A busy 2-core box (a test run's
 * browsers and ffmpegs beside it) once took 20 s to start the api, which starts in 1.5 s when
 * quiet: this is a deadline for a process that hangs, not a measure of start time.
 */
export const START_DEADLINE_MS = 60_000;

/** Resolves once `url` answers with any HTTP status, or rejects after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}
