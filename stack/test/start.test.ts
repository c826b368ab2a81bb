/** `make start` (node stack/src/start.ts) with a value it cannot use: it stops before it builds or starts anything. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../src/paths.ts';

const run = promisify(execFile);

describe('make start’s environment', () => {
  it('a bad value stops make start at once, naming the variable and what it got', async () => {
    const failed = await run(process.execPath, ['stack/src/start.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, LOUPE_WEB_PORT: '3000x', LOUPE_DATA_DIR: '/nonexistent/loupe-start-test' },
      timeout: 20_000,
    }).then(
      () => null,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('LOUPE_WEB_PORT: expected a whole number from 1 to 65535, got "3000x"');
    expect(failed?.stdout).not.toContain('Building the web app');
  });
});
