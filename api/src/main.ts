/** Runs the api: `node src/main.ts` (configuration from the environment, see .env.example). */
import { hostname } from 'node:os';
import { serve } from '@hono/node-server';
import { MediaStore } from '@loupe/media-store';
import { createApp } from './app.ts';
import { openCountersDb, openDb } from './db/client.ts';
import { migrateDb } from './db/migrate.ts';
import { configOrExit } from '@loupe/protocol';
import { parseApiConfig } from './env.ts';
import { livekitRooms } from './livekit/rooms.ts';
import { purgeExpiredSessions } from './auth/cookie-sessions.ts';
import { startRetentionSweeper } from './cases/retention.ts';
import { startJoinCatchUp } from './livekit/catch-up.ts';
import { startAuditAnchoring } from './audit/anchor.ts';
import { runOncePerCluster } from './leases/lease.ts';
import { pruneRateLimits } from './http/rate-limit.ts';
import { flushRepeats } from './audit/repeats.ts';
import { startPacsOutbox } from './pacs/outbox.ts';
import { VitalsHub } from './vitals/hub.ts';
import { startHl7Listener } from './vitals/listener.ts';
import { PatientBanners } from './patient/banners.ts';

const config = configOrExit('api', parseApiConfig, process);

const { db, client } = await openDb(config.db.url, config.db.authToken);
await migrateDb(db);
const counters = await openCountersDb(config.db.url, config.db.authToken);
const rooms = livekitRooms(config.livekit.nodes ?? config.livekit.url, config.livekit.apiKey, config.livekit.apiSecret, config.livekit.departureTimeoutS);
const vitals = new VitalsHub(db, rooms);
const media = new MediaStore({ dir: config.mediaDir, s3: config.s3 });
// Stills a restart left on this machine before they were in the bucket.
await media.storeLeftovers('stills');
const app = createApp({ db, config, rooms, vitals, media, counters: counters.db });

// This process's name as the holder of periodic jobs' leases: each runs in one api process of a
// cluster. Its host and port, not its pid: an api restarted after a crash is the only process
// that can hold that port, and takes its jobs (the audit anchor at start) back at once instead of
// waiting out the lease its predecessor could not give up.
const owner = `api-${hostname()}:${config.port || process.pid}`;
const policy = { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs };
const purge = async () => {
  await purgeExpiredSessions(db, policy);
  await pruneRateLimits(counters.db);
};
const stopPurge = runOncePerCluster(db, { name: 'session-purge', owner, everyMs: 15 * 60_000, job: purge });
const stopRetention = startRetentionSweeper(db, media, owner);
const stopCatchUp = startJoinCatchUp(db, rooms, config.livekitCatchUpMs, owner);
const stopAnchoring = startAuditAnchoring(db, config.auditAnchorFile, owner);
const pacsOutbox = startPacsOutbox(db, { media, dicomwebUrl: config.dicomwebUrl }, owner);

const hl7 = config.hl7
  ? await startHl7Listener(vitals, config.hl7, new PatientBanners(db, rooms)).catch((err: Error) => {
      console.error(`api: the HL7 listener cannot listen on ${config.hl7!.host}:${config.hl7!.port}: ${err.message}`);
      process.exit(1);
    })
  : null;
if (hl7) console.log(`HL7 (MLLP) listening on ${config.hl7!.host}:${hl7.port}`);

const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
  console.log(`api listening on http://${info.address}:${info.port}`);
});

function shutdown() {
  const jobsStopped = Promise.all([stopPurge(), stopRetention()]);
  const catchUpStopped = stopCatchUp();
  const outboxStopped = pacsOutbox.stop();
  const hl7Stopped = hl7?.stop();
  server.close(async () => {
    await flushRepeats(db);
    await stopAnchoring();
    await catchUpStopped;
    await jobsStopped;
    await outboxStopped;
    await hl7Stopped;
    await media.close();
    counters.client.close();
    client.close();
    process.exit(0);
  });
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
