/** Runs the api: `node src/main.ts` (configuration from the environment, see .env.example). */
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { openDb } from './db/client.ts';
import { migrateDb } from './db/migrate.ts';
import { configOrExit, parseApiConfig } from './env.ts';
import { livekitRooms } from './livekit/rooms.ts';
import { purgeExpiredSessions } from './auth/cookie-sessions.ts';
import { startRetentionSweeper } from './cases/retention.ts';
import { startJoinCatchUp } from './livekit/catch-up.ts';
import { startAuditAnchoring } from './audit/anchor.ts';
import { flushRepeats } from './audit/repeats.ts';
import { startPacsOutbox } from './pacs/outbox.ts';

const config = configOrExit(parseApiConfig);

const { db, client } = await openDb(config.db.url, config.db.authToken);
await migrateDb(db);
const rooms = livekitRooms(config.livekit.url, config.livekit.apiKey, config.livekit.apiSecret);
const app = createApp({ db, config, rooms });

const policy = { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs };
const purge = setInterval(() => void purgeExpiredSessions(db, policy).catch(console.error), 15 * 60_000);
const stopRetention = startRetentionSweeper(db, config.mediaDir);
const stopCatchUp = startJoinCatchUp(db, rooms, config.livekitCatchUpMs);
const stopAnchoring = startAuditAnchoring(db, config.auditAnchorFile);
const pacsOutbox = startPacsOutbox(db, { mediaDir: config.mediaDir, dicomwebUrl: config.dicomwebUrl });

const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
  console.log(`api listening on http://${info.address}:${info.port}`);
});

function shutdown() {
  clearInterval(purge);
  stopRetention();
  const catchUpStopped = stopCatchUp();
  const outboxStopped = pacsOutbox.stop();
  server.close(async () => {
    await flushRepeats(db);
    await stopAnchoring();
    await catchUpStopped;
    await outboxStopped;
    client.close();
    process.exit(0);
  });
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
