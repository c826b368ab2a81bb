import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeys } from './livekit.ts';

export type Secrets = { apiKey: string; apiSecret: string; recorderToken: string };

/**
 * LiveKit keys and the recorder's api token from the environment (`given`), else generated
 * once into `dataDir`/secrets.env (mode 600) and read from there at every later start: `make
 * start` and `make cluster` share them.
 */
export async function loadSecrets(dataDir: string, given: Partial<Record<keyof Secrets, string | undefined>>): Promise<Secrets> {
  const secretsFile = join(dataDir, 'secrets.env');
  const stored = existsSync(secretsFile) ? await readFile(secretsFile, 'utf8') : '';
  const read = (name: string) => new RegExp(`^${name}=(.+)$`, 'm').exec(stored)?.[1];
  let apiKey = given.apiKey ?? read('LIVEKIT_API_KEY');
  let apiSecret = given.apiSecret ?? read('LIVEKIT_API_SECRET');
  let recorderToken = given.recorderToken ?? read('LOUPE_RECORDER_TOKEN');
  if (apiKey && apiSecret && recorderToken) return { apiKey, apiSecret, recorderToken };
  if (!apiKey || !apiSecret) ({ apiKey, apiSecret } = generateKeys());
  recorderToken ??= randomBytes(32).toString('base64url');
  const text = `LIVEKIT_API_KEY=${apiKey}\nLIVEKIT_API_SECRET=${apiSecret}\nLOUPE_RECORDER_TOKEN=${recorderToken}\n`;
  await writeFile(secretsFile, text, { mode: 0o600 });
  console.log(`Generated secrets into ${secretsFile}`);
  return { apiKey, apiSecret, recorderToken };
}
