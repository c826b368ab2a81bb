/** The recorder's configuration, parsed once; see .env.example. */
import { resolve } from 'node:path';
import { z } from 'zod';

const RecorderEnv = z.object({
  LOUPE_API_URL: z.url().default('http://127.0.0.1:8787'),
  LOUPE_RECORDER_TOKEN: z.string().min(32, 'LOUPE_RECORDER_TOKEN must be at least 32 characters'),
  LIVEKIT_URL: z.url().default('http://127.0.0.1:7880'),
  LIVEKIT_API_KEY: z.string().min(3, 'LIVEKIT_API_KEY is required'),
  LIVEKIT_API_SECRET: z.string().min(32, 'LIVEKIT_API_SECRET must be at least 32 characters'),
  LOUPE_MEDIA_DIR: z.string().min(1).default('data/media'),
  LOUPE_RECORDER_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  LOUPE_RECORDING_IDLE_STOP_MINUTES: z.coerce.number().min(0.05).max(24 * 60).default(15),
});

export type RecorderConfig = {
  apiUrl: string;
  recorderToken: string;
  /** livekit-server's WebSocket URL (rtc-node connects there). */
  livekitWsUrl: string;
  livekitKeys: { apiKey: string; apiSecret: string };
  mediaDir: string;
  pollMs: number;
  /** A recording whose picture stays away this long is stopped, and becomes a case. */
  idleStopMs: number;
};

export function parseRecorderConfig(env: Record<string, string | undefined>): RecorderConfig {
  const result = RecorderEnv.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid recorder configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  return {
    apiUrl: e.LOUPE_API_URL.replace(/\/$/, ''),
    recorderToken: e.LOUPE_RECORDER_TOKEN,
    livekitWsUrl: e.LIVEKIT_URL.replace(/^http/, 'ws'),
    livekitKeys: { apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET },
    mediaDir: resolve(e.LOUPE_MEDIA_DIR),
    pollMs: e.LOUPE_RECORDER_POLL_MS,
    idleStopMs: Math.round(e.LOUPE_RECORDING_IDLE_STOP_MINUTES * 60_000),
  };
}
