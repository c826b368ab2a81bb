import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root, whatever the current directory. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TOOLS_BIN = join(ROOT, '.tools', 'bin');
export const LIVEKIT_BIN = join(TOOLS_BIN, 'livekit-server');
export const CHROMIUM_BIN = process.env.LOUPE_CHROMIUM ?? '/usr/bin/chromium';
