/** The api started as `make start` starts it, with a value it cannot use: it stops at once and says which. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '@loupe/stack';

const run = promisify(execFile);

describe('the api’s environment', () => {
  it('a bad value stops the api at start, naming each bad variable and what it got', async () => {
    const keys = { LIVEKIT_API_KEY: 'devkey', LIVEKIT_API_SECRET: 's'.repeat(32) };
    const failed = await run(process.execPath, ['src/main.ts'], {
      cwd: join(ROOT, 'api'),
      env: { PATH: process.env.PATH, ...keys, LOUPE_API_PORT: 'eighty', LOUPE_PUBLIC_URL: 'loupe.example' },
      timeout: 20_000,
    }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('LOUPE_API_PORT: expected a whole number from 1 to 65535, got "eighty"');
    expect(failed?.stderr).toContain('LOUPE_PUBLIC_URL: expected a URL starting with http:// or https://, got "loupe.example"');
  });
});
