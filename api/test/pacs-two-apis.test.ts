/**
 * Two api processes on one libSQL file, as `make cluster` runs them, and one real PACS (Orthanc
 * with DICOMweb) behind a proxy that counts the STOW-RS requests reaching it. Accepted stills
 * queued before both start are sent once each: one process runs the outbox (its lease), and a
 * still is claimed before it is sent. Real processes; a real livekit-server for their config.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startApiProcess, startLiveKit, type LiveKit, type RunningApi } from '@loupe/stack';
import { auditLog, leases, stills } from '../src/db/schema.ts';
import { acceptedStill, examAt, markedPng } from './accepted-stills.ts';
import { createTestApi, type TestApi } from './fixture.ts';
import { startOrthanc, type Orthanc } from './orthanc.ts';

let dir: string;
let orthanc: Orthanc;
let livekit: LiveKit;
let seed: TestApi;
let proxy: Server;
let stows = 0;
const apis: RunningApi[] = [];

/** A proxy in front of Orthanc's DICOMweb that counts every STOW-RS (POST …/studies) passing through. */
async function countingProxy(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'POST' && /\/studies(\/[^/]+)?$/.test(req.url ?? '')) stows++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.entries(req.headers).flatMap(([name, value]) =>
        typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name) ? [[name, value] as [string, string]] : [],
      );
      void fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : Buffer.concat(chunks) })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' });
          res.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-pacs-two-apis-'));
  orthanc = await startOrthanc();
  proxy = await countingProxy(orthanc.url);
  const mediaDir = join(dir, 'media');
  // The database and the media folder both processes share, filled here first.
  seed = await createTestApi({ LOUPE_DB_URL: `file:${join(dir, 'loupe.db')}`, LOUPE_MEDIA_DIR: mediaDir });
  livekit = await startLiveKit();
});

afterAll(async () => {
  for (const api of apis) await api.stop();
  await livekit?.stop();
  await seed?.close();
  proxy?.close();
  await orthanc?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the PACS outbox with two api processes', () => {
  it('sends each accepted still to the PACS once, whichever process takes it', async () => {
    const { port } = proxy.address() as { port: number };
    const exam = await examAt(seed, { dicomwebUrl: `http://127.0.0.1:${port}/dicom-web` });
    const queued = [];
    for (let i = 0; i < 6; i++) queued.push(await acceptedStill(seed, exam, 'ruq', markedPng(i + 1)));
    const ids = queued.map((s) => s.id);

    const env = { LOUPE_MEDIA_DIR: seed.config.mediaDir, LOUPE_AUDIT_ANCHOR_FILE: join(dir, 'anchors.jsonl') };
    const dbUrl = seed.config.db.url;
    // Both start at once: each makes its first pass at start.
    apis.push(...(await Promise.all([startApiProcess({ livekit, dbUrl, env }), startApiProcess({ livekit, dbUrl, env })])));
    onTestFailed(() => console.log(apis.map((a) => a.service.output()).join('\n')));

    const states = async () => (await seed.db.select({ state: stills.pacsState }).from(stills).where(inArray(stills.id, ids))).map((s) => s.state);
    await expect.poll(states, { timeout: 60_000, interval: 250 }).toEqual(ids.map(() => 'sent'));

    expect(stows).toBe(ids.length);
    expect((await orthanc.instanceUids()).sort()).toEqual(queued.map((s) => s.sopInstanceUid).sort());
    const sent = await seed.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'pacs.sent'), inArray(auditLog.targetId, ids)));
    expect(sent).toHaveLength(ids.length);
    // One process held the outbox; the other never ran a pass.
    const lease = await seed.db.select().from(leases).where(eq(leases.name, 'job:pacs-outbox')).get();
    expect(lease?.owner).toMatch(/^api-/);
  }, 120_000);
});
