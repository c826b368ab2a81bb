import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keepMediaPrivate } from './private-dir.ts';

describe('the media directory', () => {
  const umask = process.umask();
  const root = mkdtempSync(join(tmpdir(), 'loupe-media-'));
  afterEach(() => process.umask(umask));

  it('is made readable by the service user only, and so is everything written into it afterwards', () => {
    const dir = join(root, 'new', 'media');
    keepMediaPrivate(dir);
    mkdirSync(join(dir, 'recordings'));
    writeFileSync(join(dir, 'recordings', 'case.mp4'), 'video');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'recordings')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'recordings', 'case.mp4')).mode & 0o777).toBe(0o600);
  });

  it('tightens a directory that others could read', () => {
    const dir = join(root, 'open');
    mkdirSync(dir, { mode: 0o755 });
    keepMediaPrivate(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    rmSync(root, { recursive: true, force: true });
  });
});
