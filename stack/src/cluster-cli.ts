/**
 * `make cluster`: Loupe as a cluster on this one machine, all on loopback (docs/scaling.md):
 * Redis, two livekit-server nodes sharing it, two api processes on one libSQL file, two
 * recorder workers, the web app, and the media store (a bucket: versitygw serving data/bucket,
 * or the LOUPE_S3_* one). Same
 * configuration, database, secrets and demo accounts as `make start`; the second node and api
 * take the ports after the first's. Ctrl-C stops everything. A node or worker that dies is not
 * restarted: that is what the cluster is for (kill one and watch the rooms move).
 */
import { once } from 'node:events';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startWebProcess } from './app-processes.ts';
import { startCluster, type Cluster, type ClusterPorts } from './cluster.ts';
import { ROOT } from './paths.ts';
import { loadSecrets } from './secrets.ts';
import { spawnService, type Service } from './service.ts';
import { loadStartConfig } from './start-env.ts';
import { startVersityGw, type VersityGw } from './versitygw.ts';
import { buildWebIfStale } from './web-build.ts';

/** The cluster's own Redis, off the usual 6379 so that it never meets another one on the machine. */
const REDIS_PORT = 6390;
/** Where the cluster's own S3 server (versitygw) listens, when LOUPE_S3_* names no bucket. */
const BUCKET_PORT = 7990;
/** How far the second node's and api's ports are from the first's. */
const NEXT_NODE = 10;

const config = loadStartConfig('make cluster');

function ports(): ClusterPorts {
  const lk = config.livekit;
  return {
    redis: REDIS_PORT,
    livekit: [0, NEXT_NODE].map((d) => ({ port: lk.port + d, rtcTcpPort: lk.rtcTcpPort + d, rtcUdpPort: lk.rtcUdpPort + d })),
    api: [config.api.port, config.api.port + 1],
  };
}

async function migrate(env: Record<string, string>): Promise<string> {
  const prepare = spawnService('db', process.execPath, [config.seedDemo ? 'api/src/seed.ts' : 'api/src/db/migrate-cli.ts'], { cwd: ROOT, env });
  const [code] = (await once(prepare.child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`database migration/seed failed:\n${prepare.output()}`);
  return prepare.output();
}

async function main() {
  const { dataDir } = config;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const { recorderToken, ...keys } = await loadSecrets(dataDir, config.secrets);
  console.log('Building the web app if its sources changed…');
  await buildWebIfStale();
  const seeded = await migrate({ LOUPE_DB_URL: config.dbUrl, LOUPE_AUDIT_ANCHOR_FILE: config.auditAnchorFile });

  let cluster: Cluster | null = null;
  let web: Service | null = null;
  let bucket: VersityGw | null = null;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the cluster…');
    await web?.stop();
    await cluster?.stop();
    await bucket?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  // Across machines the recordings must be where every api can read them: a bucket. Without
  // LOUPE_S3_* (which the processes take from the environment), versitygw serves data/bucket.
  if (!process.env.LOUPE_S3_BUCKET) bucket = await startVersityGw({ dir: join(dataDir, 'bucket'), port: BUCKET_PORT, echo: true });
  const webUrl = `http://127.0.0.1:${config.web.port}`;
  cluster = await startCluster({
    dbUrl: config.dbUrl,
    mediaDir: config.mediaDir,
    recorderToken,
    keys,
    ports: ports(),
    redisUrl: config.redisUrl,
    apiEnv: { LOUPE_AUDIT_ANCHOR_FILE: config.auditAnchorFile, LOUPE_PUBLIC_URL: webUrl },
    ...(bucket ? { mediaEnv: bucket.env } : {}),
    echo: true,
  });
  for (const service of [...cluster.nodes.map((n) => n.service), ...cluster.apis.map((a) => a.service), ...cluster.recorders.map((r) => r.service)]) {
    service.child.once('exit', (code, signal) => {
      if (!stopping) console.error(`[${service.name}] exited (${signal ?? code}); the rest of the cluster goes on`);
    });
  }
  const { livekitUrls, apis, nodes } = cluster;
  web = (
    await startWebProcess({ apiUrl: apis[0]!.url, livekit: nodes[0]!, port: config.web.port, env: { LOUPE_LIVEKIT_URLS: livekitUrls.join(',') }, echo: true })
  ).service;

  console.log(`
  Loupe is running as a cluster on this machine (docs/scaling.md).

    Open              ${webUrl}
    api               ${apis.map((a) => a.url).join('   ')}   (the web app talks to the first)
    livekit-server    ${livekitUrls.join('   ')}   (node ids ${cluster.nodeIds.join(', ')})
    Redis             ${cluster.redis.url}
    recorders         2, one per api
    media             ${config.mediaDir}, stored in ${bucket ? `the bucket ${bucket.env.LOUPE_S3_BUCKET} (versitygw on ${bucket.env.LOUPE_S3_ENDPOINT}, files in ${bucket.bucketDir})` : `the bucket ${process.env.LOUPE_S3_BUCKET} (LOUPE_S3_*)`}

${config.seedDemo ? seeded.replace(/^/gm, '  ') : ''}
  Try: kill -9 the node hosting a live session (redis-cli -p ${REDIS_PORT} hgetall room_node_map).
  Ctrl-C stops everything.
`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
