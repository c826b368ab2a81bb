import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './paths.ts';

const WEB = join(ROOT, 'web');
const STAMP = join(WEB, 'build', '.loupe-build');
// What the production bundle is made from.
const SOURCES = [
  'web/src',
  'web/static',
  'web/messages',
  'web/project.inlang/settings.json',
  'web/project.inlang/paraglide.config.js',
  'web/svelte.config.js',
  'web/vite.config.ts',
  'web/package.json',
  'protocol/src',
];
// Compiled from web/messages, which is a source; the typecheck rewrites it whole every time.
const GENERATED = join(WEB, 'src', 'lib', 'paraglide');

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  // Rewriting the generated folder touches the folder holding it: that alone is no change.
  let newest = entries.some((entry) => join(path, entry) === GENERATED) ? 0 : info.mtimeMs;
  for (const entry of entries) {
    if (join(path, entry) !== GENERATED) newest = Math.max(newest, await newestMtime(join(path, entry)));
  }
  return newest;
}

/** Builds web/build (SvelteKit, adapter-node) unless it is newer than every source file. */
export async function buildWebIfStale(): Promise<'built' | 'fresh'> {
  if (existsSync(STAMP)) {
    const built = (await stat(STAMP)).mtimeMs;
    const sources = await Promise.all(SOURCES.map((s) => newestMtime(join(ROOT, s))));
    if (Math.max(...sources) < built) return 'fresh';
  }
  const vite = join(WEB, 'node_modules', 'vite', 'bin', 'vite.js');
  const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB, stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`web build failed (exit ${code})`);
  await writeFile(STAMP, new Date().toISOString());
  return 'built';
}

if (import.meta.main) {
  console.log(`web: ${await buildWebIfStale()}`);
}
