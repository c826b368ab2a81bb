import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitForHttp } from './ports.ts';

export type Service = {
  name: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now (for fault tests); resolves when the process has exited. */
  kill(): Promise<void>;
  /** Everything the process wrote, for diagnosing a failed start. */
  output(): string;
  /** Resolves when the process has exited, however. */
  exited: Promise<void>;
};

export type SpawnOptions = {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Forward the child's output to this process's stdout with a `[name]` prefix. */
  echo?: boolean;
};

const OUTPUT_LIMIT = 64 * 1024;

// Children still running when this process exits (a test runner tearing down a worker, an
// uncaught error) are killed with it rather than left behind.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a child process that is always awaited or killed: no orphans. */
export function spawnService(name: string, command: string, args: string[], options: SpawnOptions = {}): Service {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-OUTPUT_LIMIT);
    if (options.echo) {
      for (const line of text.split('\n')) if (line.trim()) process.stdout.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  running.add(child);
  const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined);
  void exited.then(() => running.delete(child));

  const signal = async (sig: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return {
    name,
    child,
    stop: (graceMs = 5000) => signal('SIGTERM', graceMs),
    kill: () => signal('SIGKILL', 0),
    output: () => output,
    exited,
  };
}

/**
 * Resolves once `url` answers; rejects at once if `service` exits first (a port taken, a bad
 * config), not after the whole deadline.
 */
export async function serviceAnswers(service: Service, url: string, timeoutMs: number): Promise<void> {
  const gone = new AbortController();
  void service.exited.then(() =>
    gone.abort(new Error(`${service.name} exited (${service.child.exitCode ?? service.child.signalCode}) before ${url} answered`)),
  );
  await waitForHttp(url, timeoutMs, gone.signal);
}
