/**
 * `make start`: the whole of Loupe on one machine. Migrates and seeds the database, starts
 * livekit-server, the api, the recorder and the web app, prints where to go, and stops them
 * all on Ctrl-C. Configuration: environment and an optional .env (see .env.example).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeys, livekitConfigYaml } from './livekit.ts';
import { LIVEKIT_BIN, ROOT } from './paths.ts';
import { waitForHttp } from './ports.ts';
import { spawnService, type Service } from './service.ts';
import { parseStartConfig, type StartConfig } from './start-env.ts';
import { buildWebIfStale } from './web-build.ts';

const envFile = join(ROOT, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

let config: StartConfig;
try {
  config = parseStartConfig(process.env);
} catch (err) {
  console.error(`make start: ${(err as Error).message}`);
  process.exit(1);
}
const { dataDir } = config;

type Secrets = { apiKey: string; apiSecret: string; recorderToken: string };

/**
 * LiveKit keys and the recorder's api token from the environment, else generated once into
 * data/secrets.env (mode 600) and read from there at every later start.
 */
async function secrets(): Promise<Secrets> {
  const secretsFile = join(dataDir, 'secrets.env');
  const stored = existsSync(secretsFile) ? await readFile(secretsFile, 'utf8') : '';
  const read = (name: string) => new RegExp(`^${name}=(.+)$`, 'm').exec(stored)?.[1];
  let apiKey = config.secrets.apiKey ?? read('LIVEKIT_API_KEY');
  let apiSecret = config.secrets.apiSecret ?? read('LIVEKIT_API_SECRET');
  let recorderToken = config.secrets.recorderToken ?? read('LOUPE_RECORDER_TOKEN');
  if (apiKey && apiSecret && recorderToken) return { apiKey, apiSecret, recorderToken };
  if (!apiKey || !apiSecret) ({ apiKey, apiSecret } = generateKeys());
  recorderToken ??= randomBytes(32).toString('base64url');
  const text = `LIVEKIT_API_KEY=${apiKey}\nLIVEKIT_API_SECRET=${apiSecret}\nLOUPE_RECORDER_TOKEN=${recorderToken}\n`;
  await writeFile(secretsFile, text, { mode: 0o600 });
  console.log(`Generated secrets into ${secretsFile}`);
  return { apiKey, apiSecret, recorderToken };
}

async function main() {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const { recorderToken, ...keys } = await secrets();

  const { api, web, livekit: lk } = config;
  const publicUrl = web.publicUrl;

  const shared = {
    LOUPE_DB_URL: config.dbUrl,
    LIVEKIT_API_KEY: keys.apiKey,
    LIVEKIT_API_SECRET: keys.apiSecret,
    LIVEKIT_URL: lk.url,
    LIVEKIT_PUBLIC_URL: lk.publicUrl,
    LOUPE_RECORDER_TOKEN: recorderToken,
    LOUPE_MEDIA_DIR: config.mediaDir,
    LOUPE_AUDIT_ANCHOR_FILE: config.auditAnchorFile,
    LOUPE_PUBLIC_URL: publicUrl,
  };

  const services: Service[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Loupe…');
    for (const service of services.reverse()) await service.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const start = (name: string, args: string[], extraEnv: Record<string, string> = {}, cwd = ROOT) => {
    const service = spawnService(name, process.execPath, args, { cwd, env: { ...shared, ...extraEnv }, echo: true });
    services.push(service);
    service.child.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`[${name}] exited (${signal ?? code}); stopping everything`);
      void stopAll(1);
    });
    return service;
  };

  console.log('Building the web app if its sources changed…');
  await buildWebIfStale();

  // Migrations run before anything reads the database; the seed prints the demo passwords.
  const { seedDemo } = config;
  const prepare = spawnService('db', process.execPath, [seedDemo ? 'api/src/seed.ts' : 'api/src/db/migrate-cli.ts'], {
    cwd: ROOT,
    env: shared,
  });
  const [prepared] = (await once(prepare.child, 'exit')) as [number | null];
  if (prepared !== 0) throw new Error(`database migration/seed failed:\n${prepare.output()}`);

  const livekitConfig = join(dataDir, 'livekit.yaml');
  await writeFile(
    livekitConfig,
    livekitConfigYaml({
      keys,
      port: lk.port,
      rtcTcpPort: lk.rtcTcpPort,
      rtcUdpPort: lk.rtcUdpPort,
      bindAddress: lk.bind,
      webhookUrls: [`${api.url}/webhooks/livekit`],
      logLevel: 'warn',
    }),
    { mode: 0o600 },
  );
  const livekit = spawnService('livekit', LIVEKIT_BIN, ['--config', livekitConfig], { echo: true });
  services.push(livekit);
  await waitForHttp(shared.LIVEKIT_URL, 20_000);

  start('api', ['src/main.ts'], { LOUPE_API_HOST: api.host, LOUPE_API_PORT: String(api.port) }, join(ROOT, 'api'));
  await waitForHttp(`${api.url}/health`, 20_000);
  start('recorder', ['src/main.ts'], { LOUPE_API_URL: api.url }, join(ROOT, 'recorder'));
  start('web', ['server.ts'], { HOST: web.host, PORT: String(web.port), ORIGIN: publicUrl, LOUPE_API_URL: api.url }, join(ROOT, 'web'));
  await waitForHttp(publicUrl, 20_000);

  console.log(`
  Loupe is running.

    Open            ${publicUrl}
    api             ${api.url}   (OpenAPI: ${api.url}/openapi.json)
    livekit-server  ${shared.LIVEKIT_PUBLIC_URL}

${seedDemo ? prepare.output().replace(/^/gm, '  ') : ''}
  Ctrl-C stops everything.
`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
