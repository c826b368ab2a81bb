/** Starting the real servers: a start that cannot succeed says why at once. */
import { createServer } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startLiveKit } from '../src/livekit.ts';
import { freePort } from '../src/ports.ts';

describe('starting livekit-server', () => {
  it('on a port another process holds: fails at once with livekit-server’s own reason, not after the start deadline', async () => {
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, resolve));
    onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    // Each of its attempts ends when the process exits (the start deadline is 60 s).
    await expect(startLiveKit({ rtcTcpPort: port })).rejects.toThrow(/exited \(\d+\) before http:\/\/127\.0\.0\.1:\d+ answered[\s\S]*address already in use/);
  });

  it('starts on ports of its own otherwise, and answers', async () => {
    const livekit = await startLiveKit();
    onTestFinished(() => livekit.stop());
    expect((await fetch(livekit.httpUrl)).ok).toBe(true);
  });
});
