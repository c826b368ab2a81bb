/** The outbox loop as the api's process runs it: a pass at start, and a stop that loses nothing. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/fixture.ts';
import { acceptedStill, examAt } from '../../test/accepted-stills.ts';
import { sectorPng } from '../../test/stills.ts';
import { stills } from '../db/schema.ts';
import { NO_PACS, startPacsOutbox } from './outbox.ts';

let api: TestApi;
let mediaDir: string;

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'loupe-pacs-media-'));
  api = await createTestApi({ LOUPE_MEDIA_DIR: mediaDir });
});
afterAll(async () => {
  await api.close();
  await rm(mediaDir, { recursive: true, force: true });
});

const stillRow = (id: string) => api.db.select().from(stills).where(eq(stills.id, id)).get();

describe('the outbox loop', () => {
  it('makes a pass as soon as it starts', async () => {
    const exam = await examAt(api, { dicomwebUrl: null });
    const still = await acceptedStill(api, exam, 'ruq', sectorPng());
    const outbox = startPacsOutbox(api.db, { media: api.media, dicomwebUrl: undefined }, 'api-1', 3_600_000);
    try {
      await expect.poll(async () => (await stillRow(still.id))?.pacsError, { timeout: 10_000 }).toBe(NO_PACS);
    } finally {
      await outbox.stop();
    }
  });

  it('stopped while a PACS hangs on a store, gives the still back as it was, not failed', async () => {
    // A PACS that takes the connection and never answers.
    const sockets: Socket[] = [];
    const hung: Server = createServer((s) => sockets.push(s));
    hung.listen(0, '127.0.0.1');
    await once(hung, 'listening');
    const { port } = hung.address() as { port: number };
    const connected = once(hung, 'connection');
    try {
      const exam = await examAt(api, { dicomwebUrl: `http://127.0.0.1:${port}/dicom-web` });
      const still = await acceptedStill(api, exam, 'luq', sectorPng());
      const queuedAt = (await stillRow(still.id))!.pacsNextAt;
      const outbox = startPacsOutbox(api.db, { media: api.media, dicomwebUrl: undefined }, 'api-1', 3_600_000);
      await connected;

      await outbox.stop();

      expect(await stillRow(still.id)).toMatchObject({ pacsState: 'queued', pacsAttempts: 0, pacsError: null, pacsNextAt: queuedAt });
    } finally {
      for (const s of sockets) s.destroy();
      hung.close();
    }
  });
});
