/** The recorder's configuration, parsed once; see .env.example. */
import { resolve } from 'node:path';
import { S3_ENV_KEYS, SharedEnv, envInteger, envNumber, parseEnv, s3Settings, type S3Settings } from '@loupe/protocol';

const RecorderEnv = SharedEnv.pick({
  LOUPE_API_URL: true,
  LOUPE_RECORDER_TOKEN: true,
  LOUPE_MEDIA_DIR: true,
  LIVEKIT_URL: true,
  LIVEKIT_API_KEY: true,
  LIVEKIT_API_SECRET: true,
  ...S3_ENV_KEYS,
}).extend({
  LOUPE_RECORDER_POLL_MS: envInteger(100, 60_000).default(1000),
  LOUPE_RECORDING_IDLE_STOP_MINUTES: envNumber(0.05, 24 * 60).default(15),
});

export type RecorderConfig = {
  apiUrl: string;
  recorderToken: string;
  /** livekit-server's WebSocket URL (rtc-node connects there). */
  livekitWsUrl: string;
  livekitKeys: { apiKey: string; apiSecret: string };
  mediaDir: string;
  /** The media bucket each segment and case is stored in; null: the media directory alone. */
  s3: S3Settings | null;
  pollMs: number;
  /** A recording whose picture stays away this long is stopped, and becomes a case. */
  idleStopMs: number;
};

/** The recorder's configuration from `env` (process.env); throws naming every bad variable (parseEnv). */
export function parseRecorderConfig(env: Readonly<Record<string, string | undefined>>): RecorderConfig {
  const e = parseEnv(RecorderEnv, env);
  return {
    apiUrl: e.LOUPE_API_URL.replace(/\/$/, ''),
    recorderToken: e.LOUPE_RECORDER_TOKEN,
    livekitWsUrl: e.LIVEKIT_URL.replace(/^http/, 'ws'),
    livekitKeys: { apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET },
    mediaDir: resolve(e.LOUPE_MEDIA_DIR),
    s3: s3Settings(e),
    pollMs: e.LOUPE_RECORDER_POLL_MS,
    idleStopMs: Math.round(e.LOUPE_RECORDING_IDLE_STOP_MINUTES * 60_000),
  };
}
