import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIVEKIT_BIN } from './paths.ts';
import { freePort, waitForHttp } from './ports.ts';
import { spawnService, type Service } from './service.ts';

export type LiveKitKeys = { apiKey: string; apiSecret: string };

export type LiveKitOptions = {
  keys?: LiveKitKeys;
  /** Signalling/API port; a free one when omitted. */
  port?: number;
  /** Where LiveKit posts webhooks (signed with the same key). */
  webhookUrls?: string[];
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  echo?: boolean;
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
${webhook}logging:
  level: ${o.logLevel}
`;
}

/** Starts the real livekit-server on free loopback ports and waits until it answers. */
export async function startLiveKit(options: LiveKitOptions = {}): Promise<LiveKit> {
  const keys = options.keys ?? generateKeys();
  const port = options.port ?? (await freePort());
  const rtcTcpPort = await freePort();
  const rtcUdpPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'loupe-livekit-'));
  const configPath = join(dir, 'livekit.yaml');
  const yaml = livekitConfigYaml({
    keys,
    port,
    rtcTcpPort,
    rtcUdpPort,
    webhookUrls: options.webhookUrls ?? [],
    logLevel: options.logLevel ?? 'warn',
  });
  await writeFile(configPath, yaml, { mode: 0o600 });
  const httpUrl = `http://127.0.0.1:${port}`;

  const launch = async () => {
    const service = spawnService('livekit', LIVEKIT_BIN, ['--config', configPath], { echo: options.echo });
    try {
      await waitForHttp(httpUrl, 20_000);
    } catch (err) {
      await service.stop();
      throw new Error(`livekit-server did not start: ${String(err)}\n${service.output()}`, { cause: err });
    }
    return service;
  };

  const handle: LiveKit = {
    ...keys,
    port,
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl,
    service: await launch(),
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
