import { describe, expect, it } from 'vitest';
import { FailoverReconnectPolicy, NODE_RETRY_MS } from './node-failover.ts';

describe('FailoverReconnectPolicy', () => {
  it('in a cluster, gives up on the node after a couple of seconds', () => {
    const policy = new FailoverReconnectPolicy(() => true);
    expect(policy.nextRetryDelayInMs({ retryCount: 1, elapsedMs: 300 })).not.toBeNull();
    // livekit-client's usual third delay is 2.7 s ± 50 %: cut to what is left of the window.
    expect(policy.nextRetryDelayInMs({ retryCount: 3, elapsedMs: NODE_RETRY_MS - 100 })).toBeLessThanOrEqual(100);
    expect(policy.nextRetryDelayInMs({ retryCount: 4, elapsedMs: NODE_RETRY_MS })).toBeNull();
  });

  it('on one node, keeps livekit-client’s usual retries', () => {
    const policy = new FailoverReconnectPolicy(() => false);
    expect(policy.nextRetryDelayInMs({ retryCount: 5, elapsedMs: 10_000 })).not.toBeNull();
    expect(policy.nextRetryDelayInMs({ retryCount: 10, elapsedMs: 40_000 })).toBeNull();
  });
});
