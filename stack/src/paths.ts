import { fileURLToPath } from 'node:url';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv } from '@loupe/protocol';

/** The repository root, whatever the current directory. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TOOLS_BIN = join(ROOT, '.tools', 'bin');
export const LIVEKIT_BIN = join(TOOLS_BIN, 'livekit-server');
/** The S3-compatible server of the media store's tests and `make cluster` (scripts/setup.sh builds it). */
export const VERSITYGW_BIN = join(TOOLS_BIN, 'versitygw');
/** The Chromium the browser tests and benchmarks drive. */
export const CHROMIUM_BIN = parseEnv(z.object({ LOUPE_CHROMIUM: z.string().default('/usr/bin/chromium') }), process.env).LOUPE_CHROMIUM;

/**
 * A path from the settings, read from the repository root as .env is written: the api, recorder
 * and seed each run in their own folder, and a relative path handed to them as it is pointed
 * each at a different place (api/data/loupe.db, recorder/data/media).
 */
export function fromRoot(path: string, root = ROOT): string {
  return resolve(root, path);
}

/** The same for a libSQL URL: only a local `file:` URL holds a path; a server's URL is left as it is. */
export function dbUrlFromRoot(url: string, root = ROOT): string {
  const path = url.startsWith('file:') ? url.slice('file:'.length) : null;
  return path !== null && !isAbsolute(path) ? `file:${fromRoot(path, root)}` : url;
}
