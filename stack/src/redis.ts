import { mkdtemp, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';
import { spawnService, type Service } from './service.ts';

const run = promisify(execFile);

/** Debian's redis-server (scripts/setup.sh installs it). */
export const REDIS_BIN = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';

export type Redis = {
  /** redis://127.0.0.1:port, the form LOUPE_REDIS_URL takes. */
  url: string;
  /** The server process, when started here (not for a Redis given by LOUPE_REDIS_URL). */
  service: Service | null;
  /** Runs one redis-cli command against this server and returns its raw output. */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
};

const commandFor =
  (url: string) =>
  async (...cmd: string[]) =>
    (await run(REDIS_CLI, ['-u', url, '--no-auth-warning', '--raw', ...cmd], { timeout: 5000 })).stdout.trim();

/** A Redis that runs elsewhere (LOUPE_REDIS_URL): checked to answer, never stopped from here. */
export async function connectRedis(url: string): Promise<Redis> {
  const command = commandFor(url);
  const pong = await command('ping').catch((err: Error) => err.message);
  if (pong !== 'PONG') throw new Error(`LOUPE_REDIS_URL: Redis at ${url.replace(/\/\/[^@]*@/, '//…@')} does not answer: ${pong}`);
  return { url, service: null, command, stop: async () => {} };
}

/**
 * Starts a real redis-server on loopback (a free port when omitted), keeping nothing on disk:
 * LiveKit keeps only live state there (nodes, rooms, their node), which a restart rebuilds.
 */
export async function startRedis(o: { port?: number; echo?: boolean } = {}): Promise<Redis> {
  const port = o.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'loupe-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const service = spawnService('redis', REDIS_BIN, args, { echo: o.echo });
  const url = `redis://127.0.0.1:${port}`;
  const command = commandFor(url);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pong = await command('ping').catch(() => '');
    if (pong === 'PONG') break;
    if (Date.now() > deadline || service.child.exitCode !== null) {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on port ${port}\n${service.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    service,
    command,
    async stop() {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
