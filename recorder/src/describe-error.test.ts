import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeError } from './worker.ts';

describe('describeError', () => {
  it('says why a fetch failed, not only that it did', async () => {
    // A port that was just free: a real refused connection.
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    const err = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(describeError(err)).toBe(`fetch failed (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port})`);
  });

  it('keeps a plain error message as it is', () => {
    expect(describeError(new Error('api refused the recorder: HTTP 401'))).toBe('api refused the recorder: HTTP 401');
  });
});
