/**
 * `make start`'s environment (with .env); see .env.example. What it hands the services follows
 * their own rules (protocol's SharedEnv), so a bad value stops it before anything is built or
 * started. Relative paths are read from the repository root (paths.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SharedEnv, configOrExit, envFlag, envInteger, envUrl, parseEnv } from '@loupe/protocol';
import { ROOT, dbUrlFromRoot, fromRoot } from './paths.ts';

const shared = SharedEnv.shape;
const port = (fallback: number) => envInteger(1, 65535).default(fallback);

const StartEnv = SharedEnv.pick({ LOUPE_API_HOST: true, LOUPE_API_PORT: true, LOUPE_LIVEKIT_URLS: true }).extend({
  LOUPE_DATA_DIR: z.string().default('data'),
  LOUPE_SEED_DEMO: envFlag.default(true),
  LOUPE_WEB_HOST: z.string().default('127.0.0.1'),
  LOUPE_WEB_PORT: port(3000),
  LIVEKIT_BIND: z.string().default('127.0.0.1'),
  LIVEKIT_PORT: port(7880),
  LIVEKIT_RTC_TCP_PORT: port(7881),
  LIVEKIT_RTC_UDP_PORT: port(7882),
  // The Redis livekit-server nodes share to form one cluster (docs/scaling.md); unset: one node alone.
  LOUPE_REDIS_URL: envUrl('redis', 'rediss').optional(),
  // The services' variables whose defaults here follow from the ones above (startConfig).
  LOUPE_API_URL: shared.LOUPE_API_URL.unwrap().optional(),
  LOUPE_PUBLIC_URL: shared.LOUPE_PUBLIC_URL.unwrap().optional(),
  LOUPE_DB_URL: shared.LOUPE_DB_URL.unwrap().optional(),
  LOUPE_MEDIA_DIR: shared.LOUPE_MEDIA_DIR.unwrap().optional(),
  LOUPE_AUDIT_ANCHOR_FILE: z.string().optional(),
  LIVEKIT_URL: shared.LIVEKIT_URL.unwrap().optional(),
  LIVEKIT_PUBLIC_URL: shared.LIVEKIT_PUBLIC_URL.unwrap().optional(),
  // Unset: read from, or generated into, data/secrets.env (start.ts).
  LIVEKIT_API_KEY: shared.LIVEKIT_API_KEY.optional(),
  LIVEKIT_API_SECRET: shared.LIVEKIT_API_SECRET.optional(),
  LOUPE_RECORDER_TOKEN: shared.LOUPE_RECORDER_TOKEN.optional(),
});

export type StartConfig = ReturnType<typeof parseStartConfig>;

/** `make start`'s configuration from `env` (process.env); throws naming every bad variable (parseEnv). */
export function parseStartConfig(env: Readonly<Record<string, string | undefined>>) {
  const e = parseEnv(StartEnv, env);
  const dataDir = fromRoot(e.LOUPE_DATA_DIR);
  return {
    dataDir,
    seedDemo: e.LOUPE_SEED_DEMO,
    api: { host: e.LOUPE_API_HOST, port: e.LOUPE_API_PORT, url: e.LOUPE_API_URL ?? `http://${e.LOUPE_API_HOST}:${e.LOUPE_API_PORT}` },
    web: { host: e.LOUPE_WEB_HOST, port: e.LOUPE_WEB_PORT, publicUrl: e.LOUPE_PUBLIC_URL ?? `http://${e.LOUPE_WEB_HOST}:${e.LOUPE_WEB_PORT}` },
    livekit: {
      bind: e.LIVEKIT_BIND,
      port: e.LIVEKIT_PORT,
      rtcTcpPort: e.LIVEKIT_RTC_TCP_PORT,
      rtcUdpPort: e.LIVEKIT_RTC_UDP_PORT,
      url: e.LIVEKIT_URL ?? `http://127.0.0.1:${e.LIVEKIT_PORT}`,
      publicUrl: e.LIVEKIT_PUBLIC_URL ?? `ws://127.0.0.1:${e.LIVEKIT_PORT}`,
    },
    redisUrl: e.LOUPE_REDIS_URL,
    livekitUrls: e.LOUPE_LIVEKIT_URLS,
    dbUrl: dbUrlFromRoot(e.LOUPE_DB_URL ?? `file:${join(dataDir, 'loupe.db')}`),
    mediaDir: fromRoot(e.LOUPE_MEDIA_DIR ?? join(dataDir, 'media')),
    auditAnchorFile: fromRoot(e.LOUPE_AUDIT_ANCHOR_FILE ?? join(dataDir, 'audit-anchor.jsonl')),
    secrets: { apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET, recorderToken: e.LOUPE_RECORDER_TOKEN },
  };
}

/**
 * The configuration of `make start` or `make cluster` (`command`): .env, then the environment
 * over it; a wrong value ends the process with parseStartConfig's words.
 */
export function loadStartConfig(command: string): StartConfig {
  const envFile = join(ROOT, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return configOrExit(command, parseStartConfig, process);
}
