import { join } from 'node:path';
import type { LiveKit } from './livekit.ts';
import { ROOT } from './paths.ts';
import { START_DEADLINE_MS, freePort } from './ports.ts';
import { serviceAnswers, spawnService, type Service } from './service.ts';

export type RunningApp = { url: string; service: Service; stop(): Promise<void> };

/** The api process, which fault tests kill and start again. */
export type RunningApi = RunningApp & {
  /** kill -9, then start again on the same port, database and environment. */
  restart(): Promise<void>;
};

/** A service's port on loopback (a free one when not given), extra environment, and whether its output is echoed. */
type ProcessOptions = { port?: number; env?: Record<string, string>; echo?: boolean };

async function listenAt(port: number | undefined): Promise<{ port: number; url: string }> {
  const chosen = port ?? (await freePort());
  return { port: chosen, url: `http://127.0.0.1:${chosen}` };
}

/** `service` once it answers at `url`; otherwise stopped, and the reason thrown with its output. */
async function answering(service: Service, url: string): Promise<Service> {
  await serviceAnswers(service, url, START_DEADLINE_MS).catch(async (err) => {
    await service.stop();
    throw new Error(`${service.name} did not start: ${String(err)}\n${service.output()}`);
  });
  return service;
}

/**
 * Runs the api as its own process (`node api/src/main.ts`) on `port` (a free one when omitted:
 * pass one to point livekit-server's webhooks at it before it starts).
 */
export async function startApiProcess(o: { livekit: LiveKit; dbUrl: string } & ProcessOptions): Promise<RunningApi> {
  const { port, url } = await listenAt(o.port);
  const launch = async () => {
    const service = spawnService('api', process.execPath, ['src/main.ts'], {
      cwd: join(ROOT, 'api'),
      env: {
        LOUPE_DB_URL: o.dbUrl,
        LOUPE_API_HOST: '127.0.0.1',
        LOUPE_API_PORT: String(port),
        LIVEKIT_URL: o.livekit.httpUrl,
        LIVEKIT_PUBLIC_URL: o.livekit.wsUrl,
        LIVEKIT_API_KEY: o.livekit.apiKey,
        LIVEKIT_API_SECRET: o.livekit.apiSecret,
        ...o.env,
      },
      echo: o.echo,
    });
    return answering(service, `${url}/health`);
  };
  const api: RunningApi = {
    url,
    service: await launch(),
    stop: () => api.service.stop(),
    async restart() {
      await api.service.kill();
      api.service = await launch();
    },
  };
  return api;
}

/** Runs the recorder worker (`node recorder/src/main.ts`) against a running api. */
export async function startRecorderProcess(
  o: { livekit: LiveKit; apiUrl: string; recorderToken: string; mediaDir: string } & Omit<ProcessOptions, 'port'>,
): Promise<RunningApp> {
  const service = spawnService('recorder', process.execPath, ['src/main.ts'], {
    cwd: join(ROOT, 'recorder'),
    env: {
      LOUPE_API_URL: o.apiUrl,
      LOUPE_RECORDER_TOKEN: o.recorderToken,
      LOUPE_MEDIA_DIR: o.mediaDir,
      LOUPE_RECORDER_POLL_MS: '300',
      LIVEKIT_URL: o.livekit.httpUrl,
      LIVEKIT_API_KEY: o.livekit.apiKey,
      LIVEKIT_API_SECRET: o.livekit.apiSecret,
      ...o.env,
    },
    echo: o.echo,
  });
  return { url: o.apiUrl, service, stop: () => service.stop() };
}

/**
 * Runs the built web app (`node web/server.ts`, which serves web/build) on `port` (a free one
 * when omitted), talking to `apiUrl`; its pages may connect to `livekit` (their CSP names it).
 */
export async function startWebProcess(o: { apiUrl: string; livekit: Pick<LiveKit, 'wsUrl'> } & ProcessOptions): Promise<RunningApp> {
  const { port, url } = await listenAt(o.port);
  const service = spawnService('web', process.execPath, ['server.ts'], {
    cwd: join(ROOT, 'web'),
    env: { HOST: '127.0.0.1', PORT: String(port), ORIGIN: url, LOUPE_API_URL: o.apiUrl, LIVEKIT_PUBLIC_URL: o.livekit.wsUrl, ...o.env },
    echo: o.echo,
  });
  await answering(service, url);
  return { url, service, stop: () => service.stop() };
}
