/** The web server started with values it cannot use: it stops before it loads the app and says which. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '@loupe/stack';

const run = promisify(execFile);

describe('the web server’s environment', () => {
  it('a bad value stops the web server at start, naming each bad variable and what it got', async () => {
    const failed = await run(process.execPath, ['server.ts'], {
      cwd: join(ROOT, 'web'),
      env: { PATH: process.env.PATH, PORT: 'http', LIVEKIT_PUBLIC_URL: 'livekit.example:7880' },
      timeout: 20_000,
    }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('PORT: expected a whole number from 0 to 65535, got "http"');
    expect(failed?.stderr).toContain('LIVEKIT_PUBLIC_URL: expected a URL starting with ws:// or wss:// or http:// or https://, got "livekit.example:7880"');
  });
});
