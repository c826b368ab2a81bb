import { chmodSync, mkdirSync } from 'node:fs';

/**
 * Surgical video is patient data: the media directory and everything the recorder (and the
 * ffmpeg it starts) writes into it are readable by the service's own user only. The umask covers
 * every file and folder made from now on; the directory itself is made, or tightened, to 0700.
 */
export function keepMediaPrivate(dir: string): void {
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
