/**
 * How a page in a cluster (docs/scaling.md) leaves a livekit-server node that died. The api
 * says in each token whether another node can take the room (`failover`). If so, a page does
 * not spend livekit-client's usual ~45 s retrying a node that is gone: it gives up on it within
 * seconds, and LiveSession.rejoin asks the api for a fresh token and a node that answers.
 */
import { DefaultReconnectPolicy, type ReconnectContext, type ReconnectPolicy } from 'livekit-client';

/** How long livekit-client keeps trying our own node, in a cluster, before we ask for another. */
export const NODE_RETRY_MS = 2000;

/**
 * How long the media may stay silent (after the second LinkWatch needs to call it stalled)
 * before a page in a cluster leaves its node. Our signalling node can outlive the room's node:
 * the page's socket then stays open and livekit-client would notice only at its 15 s ping timeout.
 */
export const NODE_SILENT_MS = 2000;

/** livekit-client's usual retries, cut short when another node can take the room. */
export class FailoverReconnectPolicy implements ReconnectPolicy {
  private readonly usual = new DefaultReconnectPolicy();
  private readonly failover: () => boolean;

  constructor(failover: () => boolean) {
    this.failover = failover;
  }

  nextRetryDelayInMs(context: ReconnectContext): number | null {
    const delay = this.usual.nextRetryDelayInMs(context);
    if (!this.failover() || delay === null) return delay;
    // The last try comes at the end of the window, not a jittered 2-4 s later.
    const left = NODE_RETRY_MS - context.elapsedMs;
    return left > 0 ? Math.min(delay, left) : null;
  }
}
