import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIVEKIT_BIN } from './paths.ts';
import { START_DEADLINE_MS, freePort } from './ports.ts';
import { serviceAnswers, spawnService, type Service } from './service.ts';

export type LiveKitKeys = { apiKey: string; apiSecret: string };

export type LiveKitOptions = {
  keys?: LiveKitKeys;
  /** Signalling/API port; a free one when omitted. */
  port?: number;
  /** Media ports (ICE over TCP, and UDP muxed on one port); free ones when omitted. */
  rtcTcpPort?: number;
  rtcUdpPort?: number;
  /** Where LiveKit posts webhooks (signed with the same key). */
  webhookUrls?: string[];
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  echo?: boolean;
  /** LOUPE_REDIS_URL: the Redis this node shares with the other nodes of a cluster. */
  redisUrl?: string;
  /** The prefix of its echoed output; `livekit` when omitted. */
  name?: string;
};

export type LiveKit = LiveKitKeys & {
  /** ws:// URL for clients. */
  wsUrl: string;
  /** http:// URL for the server API (RoomServiceClient). */
  httpUrl: string;
  port: number;
  service: Service;
  stop(): Promise<void>;
  /** kill -9, then start again on the same ports and keys. */
  restart(): Promise<void>;
};

export function generateKeys(): LiveKitKeys {
  return { apiKey: `API${randomBytes(6).toString('hex')}`, apiSecret: randomBytes(32).toString('base64url') };
}

/**
 * The livekit-server config for one box, one UDP port and one TCP port. Bound to loopback
 * (the default), ICE candidates are loopback only: no STUN lookups, no other address.
 */
export function livekitConfigYaml(o: {
  keys: LiveKitKeys;
  port: number;
  rtcTcpPort: number;
  rtcUdpPort: number;
  webhookUrls: string[];
  logLevel: string;
  bindAddress?: string;
  /** LOUPE_REDIS_URL: with it, the nodes sharing that Redis form one cluster (LiveKit's own routing). */
  redisUrl?: string | undefined;
}): string {
  const webhook = o.webhookUrls.length ? `webhook:\n  api_key: ${o.keys.apiKey}\n  urls:\n${o.webhookUrls.map((u) => `    - ${u}`).join('\n')}\n` : '';
  const bind = o.bindAddress ?? '127.0.0.1';
  const loopbackOnly = bind === '127.0.0.1' || bind === '::1' || bind === 'localhost';
  const candidates = loopbackOnly
    ? `  use_external_ip: false
  node_ip: 127.0.0.1
  enable_loopback_candidate: true
  interfaces:
    includes:
      - lo
`
    : '  use_external_ip: false\n';
  return `port: ${o.port}
bind_addresses:
  - ${bind}
rtc:
  tcp_port: ${o.rtcTcpPort}
  udp_port: ${o.rtcUdpPort}
${candidates}room:
  # Only the api opens a session's room: a token kept from before cannot reopen an ended one.
  auto_create: false
keys:
  ${o.keys.apiKey}: ${o.keys.apiSecret}
${webhook}${o.redisUrl ? redisConfigYaml(o.redisUrl) : ''}logging:
  level: ${o.logLevel}
`;
}

/**
 * livekit-server's `redis:` block for a redis:// or rediss:// URL (user, password and database
 * number included). Nodes that share it route rooms between them: https://docs.livekit.io/home/self-hosting/distributed/
 */
export function redisConfigYaml(redisUrl: string): string {
  const url = new URL(redisUrl);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error(`LOUPE_REDIS_URL: expected redis:// or rediss://, got "${redisUrl}"`);
  const db = url.pathname.replace(/^\//, '');
  if (db && !/^\d+$/.test(db)) throw new Error(`LOUPE_REDIS_URL: the path must be a database number, got "${url.pathname}"`);
  const quoted = (v: string) => JSON.stringify(decodeURIComponent(v));
  return [
    'redis:',
    `  address: ${url.hostname}:${url.port || '6379'}`,
    url.username ? `  username: ${quoted(url.username)}` : '',
    url.password ? `  password: ${quoted(url.password)}` : '',
    db ? `  db: ${db}` : '',
    url.protocol === 'rediss:' ? '  use_tls: true' : '',
  ]
    .filter(Boolean)
    .map((line) => `${line}\n`)
    .join('');
}

/**
 * The environment livekit-server runs in: ours without the variables it would read over its
 * config file. It takes every `LIVEKIT_<setting>` as that setting (LIVEKIT_PORT,
 * LIVEKIT_RTC_TCP_PORT, … are also `make start`'s own names), and NODE_IP, UDP_PORT,
 * REDIS_HOST and REDIS_PASSWORD: with them, two nodes on one machine took the same ports.
 */
export function livekitServerEnv(): Record<string, undefined> {
  const read = (name: string) => name.startsWith('LIVEKIT_') || ['NODE_IP', 'UDP_PORT', 'REDIS_HOST', 'REDIS_PASSWORD'].includes(name);
  return Object.fromEntries(
    Object.keys(process.env)
      .filter(read)
      .map((name) => [name, undefined]),
  );
}

/** Starts the real livekit-server on free loopback ports and waits until it answers. */
export async function startLiveKit(options: LiveKitOptions = {}): Promise<LiveKit> {
  const keys = options.keys ?? generateKeys();
  const dir = await mkdtemp(join(tmpdir(), 'loupe-livekit-'));
  const configPath = join(dir, 'livekit.yaml');
  const ports = { port: 0, rtcTcpPort: 0, rtcUdpPort: 0 };
  const choosePorts = async () => {
    ports.port = options.port ?? (await freePort());
    ports.rtcTcpPort = options.rtcTcpPort ?? (await freePort());
    ports.rtcUdpPort = options.rtcUdpPort ?? (await freePort());
    const yaml = livekitConfigYaml({
      keys,
      ...ports,
      webhookUrls: options.webhookUrls ?? [],
      logLevel: options.logLevel ?? 'warn',
      redisUrl: options.redisUrl,
    });
    await writeFile(configPath, yaml, { mode: 0o600 });
  };
  const httpUrl = () => `http://127.0.0.1:${ports.port}`;

  const launch = async () => {
    const service = spawnService(options.name ?? 'livekit', LIVEKIT_BIN, ['--config', configPath], { echo: options.echo, env: livekitServerEnv() });
    try {
      await serviceAnswers(service, httpUrl(), START_DEADLINE_MS);
    } catch (err) {
      await service.stop();
      throw new Error(`livekit-server did not start: ${String(err)}\n${service.output()}`, { cause: err });
    }
    return service;
  };
  /** The first start: a port another process took since it was chosen is chosen again. */
  const firstLaunch = async () => {
    for (let attempt = 1; ; attempt++) {
      await choosePorts();
      try {
        return await launch();
      } catch (err) {
        const taken = /address already in use/.test(String((err as Error).message));
        const chosen = options.port === undefined || options.rtcTcpPort === undefined || options.rtcUdpPort === undefined;
        if (!taken || !chosen || attempt === 3) throw err;
      }
    }
  };
  const service = await firstLaunch();

  const handle: LiveKit = {
    ...keys,
    port: ports.port,
    wsUrl: `ws://127.0.0.1:${ports.port}`,
    httpUrl: httpUrl(),
    service,
    async stop() {
      await handle.service.stop();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await handle.service.kill();
      handle.service = await launch();
    },
  };
  return handle;
}
