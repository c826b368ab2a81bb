/**
 * `make start`: the whole of Loupe on one machine. Migrates and seeds the database, starts
 * livekit-server, the api, the recorder and the web app, prints where to go, and stops them
 * all on Ctrl-C. Configuration: environment and an optional .env (see .env.example).
 */
import { once } from 'node:events';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_MONITOR_BED } from '@loupe/protocol';
import { livekitConfigYaml, livekitServerEnv } from './livekit.ts';
import { loadSecrets } from './secrets.ts';
import { LIVEKIT_BIN, ROOT } from './paths.ts';
import { START_DEADLINE_MS, waitForHttp } from './ports.ts';
import { spawnService, type Service } from './service.ts';
import { loadStartConfig } from './start-env.ts';
import { buildWebIfStale } from './web-build.ts';

const config = loadStartConfig('make start');
const { dataDir } = config;

async function main() {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const { recorderToken, ...keys } = await loadSecrets(dataDir, config.secrets);

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
    ...(config.livekitUrls ? { LOUPE_LIVEKIT_URLS: config.livekitUrls.join(',') } : {}),
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
      // Other machines' nodes share this Redis: one cluster (docs/scaling.md).
      redisUrl: config.redisUrl,
    }),
    { mode: 0o600 },
  );
  const livekit = spawnService('livekit', LIVEKIT_BIN, ['--config', livekitConfig], { echo: true, env: livekitServerEnv() });
  services.push(livekit);
  await waitForHttp(shared.LIVEKIT_URL, START_DEADLINE_MS);

  // Monitors send vital signs to the api over HL7 MLLP; 2575 is the port HL7 registered for it.
  const hl7Port = process.env.LOUPE_HL7_PORT || '2575';
  start('api', ['src/main.ts'], { LOUPE_API_HOST: api.host, LOUPE_API_PORT: String(api.port), LOUPE_HL7_PORT: hl7Port }, join(ROOT, 'api'));
  await waitForHttp(`${api.url}/health`, START_DEADLINE_MS);
  // The demo surgery session's patient monitor (bound by the seed): drifting values and an SpO₂ dip every 3 minutes.
  if (seedDemo) start('monitor', ['stack/src/monitor-cli.ts', '--bed', DEMO_MONITOR_BED, '--port', hl7Port, '--interval', '2000']);
  start('recorder', ['src/main.ts'], { LOUPE_API_URL: api.url }, join(ROOT, 'recorder'));
  start('web', ['server.ts'], { HOST: web.host, PORT: String(web.port), ORIGIN: publicUrl, LOUPE_API_URL: api.url }, join(ROOT, 'web'));
  await waitForHttp(publicUrl, START_DEADLINE_MS);

  console.log(`
  Loupe is running.

    Open            ${publicUrl}
    api             ${api.url}   (OpenAPI: ${api.url}/openapi.json)
    livekit-server  ${shared.LIVEKIT_PUBLIC_URL}
    HL7 (MLLP)      127.0.0.1:${hl7Port}${seedDemo ? `   (monitor simulator: bed ${DEMO_MONITOR_BED} → the surgery demo session)` : ''}

${seedDemo ? prepare.output().replace(/^/gm, '  ') : ''}
  Ctrl-C stops everything.
`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
