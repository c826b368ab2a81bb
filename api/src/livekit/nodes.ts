/**
 * Which livekit-server node a browser joins. In a cluster (LOUPE_LIVEKIT_URLS) the nodes share
 * one Redis and LiveKit routes each room to the node that hosts it (docs/scaling.md), so any
 * node that answers will do: the api hands them out in turn and skips one that does not answer.
 * A browser whose node dies asks for a new token, and with it gets a node that is up.
 */

/** How long a node may take to answer its health check before the api counts it as down. */
const PROBE_TIMEOUT_MS = 1000;

export type LiveKitNodes = {
  /** Every node, as browsers reach it. */
  readonly urls: readonly string[];
  /** The nodes that answer now, in the configured order (none: every node is down). */
  healthy(): Promise<string[]>;
  /** The next node that answers, in turn; null when none does. */
  pick(): Promise<string | null>;
};

/** livekit-server answers plain HTTP on its signalling port ("OK" at /). */
export function httpUrlOf(url: string): string {
  return url.replace(/^ws(s?):/, 'http$1:');
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(httpUrlOf(url), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** The nodes at `urls`; one URL is a single node, handed out without a check as before. */
export function livekitNodes(urls: readonly string[], probe: (url: string) => Promise<boolean> = answers): LiveKitNodes {
  if (urls.length === 0) throw new Error('livekitNodes: no URL');
  let turn = 0;
  const healthy = async () => {
    const up = await Promise.all(urls.map(probe));
    return urls.filter((_, i) => up[i]);
  };
  return {
    urls,
    healthy,
    async pick() {
      if (urls.length === 1) return urls[0]!;
      const up = await healthy();
      if (up.length === 0) return null;
      return up[turn++ % up.length]!;
    },
  };
}
