/** The recorder started with values it cannot use: it stops at once and says which. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '@loupe/stack';

const run = promisify(execFile);

describe('the recorder’s environment', () => {
  it('a bad value or a missing token stops the recorder at start, naming each variable', async () => {
    const keys = { LIVEKIT_API_KEY: 'devkey', LIVEKIT_API_SECRET: 's'.repeat(32) };
    const failed = await run(process.execPath, ['src/main.ts'], {
      cwd: join(ROOT, 'recorder'),
      env: { PATH: process.env.PATH, ...keys, LOUPE_RECORDING_IDLE_STOP_MINUTES: 'abc' },
      timeout: 20_000,
    }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('LOUPE_RECORDER_TOKEN: required, not set');
    expect(failed?.stderr).toContain('LOUPE_RECORDING_IDLE_STOP_MINUTES: expected a number from 0.05 to 1440, got "abc"');
  });
});
