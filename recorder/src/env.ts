/** The recorder's configuration, parsed once; see .env.example. */
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { RecorderWorkerId, S3_ENV_KEYS, SharedEnv, envInteger, envNumber, parseEnv, s3Settings, type S3Settings } from '@loupe/protocol';

/**
 * Cores one recorded 720p30 stream costs this recorder (rtc-node's decode, the I420 copy, ffmpeg's
 * x264 superfast encode), measured: see README.md, "Workers and leases".
 */
const STREAM_CPU = 0.35;
/** Like LiveKit Egress, a worker plans to use at most 80 % of its cores. */
const CPU_SHARE = 0.8;

const RecorderEnv = SharedEnv.pick({
  LOUPE_API_URL: true,
  LOUPE_RECORDER_TOKEN: true,
  LOUPE_MEDIA_DIR: true,
  LIVEKIT_URL: true,
  LOUPE_LIVEKIT_URLS: true,
  LIVEKIT_API_KEY: true,
  LIVEKIT_API_SECRET: true,
  ...S3_ENV_KEYS,
}).extend({
  LOUPE_RECORDER_POLL_MS: envInteger(100, 60_000).default(1000),
  LOUPE_RECORDING_IDLE_STOP_MINUTES: envNumber(0.05, 24 * 60).default(15),
  LOUPE_RECORDER_ID: RecorderWorkerId.optional(),
  LOUPE_RECORDER_CPU_BUDGET: envNumber(0.01, 4096).optional(),
  LOUPE_RECORDER_STREAM_CPU: envNumber(0.01, 64).default(STREAM_CPU),
});

export type RecorderConfig = {
  apiUrl: string;
  recorderToken: string;
  /**
   * livekit-server's WebSocket URL (rtc-node connects there), or a cluster's nodes
   * (LOUPE_LIVEKIT_URLS): a recording whose node dies moves to another.
   */
  livekitWsUrls: string[];
  livekitKeys: { apiKey: string; apiSecret: string };
  mediaDir: string;
  /** The media bucket each segment and case is stored in; null: the media directory alone. */
  s3: S3Settings | null;
  pollMs: number;
  /** A recording whose picture stays away this long is stopped, and becomes a case. */
  idleStopMs: number;
  /** This worker's name among the cluster's workers: the owner of its leases. */
  workerId: string;
  /** Recordings this worker takes at most: its CPU budget over one stream's cost. */
  slots: number;
};

/** The recorder's configuration from `env` (process.env); throws naming every bad variable (parseEnv). */
export function parseRecorderConfig(env: Readonly<Record<string, string | undefined>>): RecorderConfig {
  const e = parseEnv(RecorderEnv, env);
  const budget = e.LOUPE_RECORDER_CPU_BUDGET ?? CPU_SHARE * availableParallelism();
  const slots = Math.floor(budget / e.LOUPE_RECORDER_STREAM_CPU + 1e-9);
  if (slots < 1) {
    throw new Error(
      `LOUPE_RECORDER_CPU_BUDGET (${budget} cores) is less than one stream's cost (LOUPE_RECORDER_STREAM_CPU, ${e.LOUPE_RECORDER_STREAM_CPU}): this worker would record nothing`,
    );
  }
  return {
    apiUrl: e.LOUPE_API_URL.replace(/\/$/, ''),
    recorderToken: e.LOUPE_RECORDER_TOKEN,
    livekitWsUrls: (e.LOUPE_LIVEKIT_URLS ?? [e.LIVEKIT_URL]).map((url) => url.replace(/^http/, 'ws')),
    livekitKeys: { apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET },
    mediaDir: resolve(e.LOUPE_MEDIA_DIR),
    s3: s3Settings(e),
    pollMs: e.LOUPE_RECORDER_POLL_MS,
    idleStopMs: Math.round(e.LOUPE_RECORDING_IDLE_STOP_MINUTES * 60_000),
    workerId: e.LOUPE_RECORDER_ID ?? `${hostname()}-${process.pid}`,
    slots,
  };
}
