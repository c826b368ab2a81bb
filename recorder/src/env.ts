/** The recorder's configuration, parsed once; see .env.example. */
import { z } from 'zod';

const RecorderEnv = z.object({
  LIVEKIT_URL: z.url().default('http://127.0.0.1:7880'),
  LIVEKIT_API_KEY: z.string().min(3, 'LIVEKIT_API_KEY is required'),
  LIVEKIT_API_SECRET: z.string().min(32, 'LIVEKIT_API_SECRET must be at least 32 characters'),
  LOUPE_RECORDER_POLL_MS: z.coerce.number().int().min(500).max(60_000).default(5000),
});

export type RecorderConfig = z.infer<typeof RecorderEnv>;

export function parseRecorderConfig(env: Record<string, string | undefined>): RecorderConfig {
  const result = RecorderEnv.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid recorder configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
