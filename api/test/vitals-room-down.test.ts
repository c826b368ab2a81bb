/**
 * A monitor keeps sending while the room cannot be reached (livekit-server down): every message
 * is still acknowledged and kept for the session, and the api's log says so once, in one line,
 * not with a stack trace every two seconds; it says so again when livekit-server takes them (a
 * room nobody has joined yet, as after the restart here, is no error: nobody is there to hear).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { startLiveKit, type LiveKit } from '@loupe/stack';
import { createTestApi, ok, type TestApi } from './fixture.ts';
import { livekitRooms } from '../src/livekit/rooms.ts';
import { startHl7Listener, type Hl7Listener } from '../src/vitals/listener.ts';
import { oruR01 } from './pcd01-messages.ts';

let livekit: LiveKit, api: TestApi, listener: Hl7Listener, client: Hl7Client;

beforeAll(async () => {
  livekit = await startLiveKit();
  api = await createTestApi({}, { rooms: livekitRooms(livekit.httpUrl, livekit.apiKey, livekit.apiSecret) });
  listener = await startHl7Listener(api.vitals, { host: '127.0.0.1', port: 0 });
  client = new Hl7Client({ host: '127.0.0.1', port: listener.port });
});
afterAll(async () => {
  await client?.close();
  await listener?.stop();
  await api?.close();
  await livekit?.stop();
});

describe('vitals while the room cannot be reached', () => {
  it('are acknowledged and kept; the log says it once, and again when they get through', async () => {
    const host = await api.account('surgeon', 'Dr Host');
    const session = await ok(
      api.client(host.cookie).sessions.$post({
        json: {
          title: 'ICU consult',
          procedure: 'Consult',
          specialty: 'ICU',
          scheduledAt: new Date().toISOString(),
          kind: 'surgery',
          siteId: null,
          reviewSiteId: null,
        },
      }),
    );
    const param = { id: session.id };
    await ok(api.client(host.cookie).sessions[':id'].start.$post({ param }));
    await ok(api.client(host.cookie).sessions[':id']['vitals-source'].$post({ param, json: { deviceId: 'ICU4^^1' } }));
    const logged = { errors: vi.spyOn(console, 'error'), lines: vi.spyOn(console, 'log') };
    const roomLines = (spy: typeof logged.errors) => spy.mock.calls.filter(([line]) => String(line).includes(`room ${session.id}`));
    let n = 0;
    const send = async (hr: number) => {
      const message = oruR01({ bed: 'ICU4^^1', controlId: `c${++n}`, at: new Date(), values: { hr } });
      const ack = await client.sendAndWait(Hl7Message.parse(message), { timeoutMs: 10_000 });
      return ack.getSegment('MSA')!.getField(1).toString();
    };
    try {
      await livekit.service.kill();
      for (const hr of [80, 81, 82, 83, 84]) expect(await send(hr)).toBe('AA');
      await expect.poll(() => roomLines(logged.errors).length, { timeout: 15_000 }).toBe(1);
      expect(String(roomLines(logged.errors)[0]![0])).toMatch(/^vitals to room .* failed \(not logged again until they get through\): /);
      expect(String(roomLines(logged.errors)[0]![0])).not.toContain('\n');
      const vitals = await ok(api.client(host.cookie).sessions[':id'].vitals.$get({ param }));
      expect(vitals.history.hr?.map((s) => s.value)).toEqual([80, 81, 82, 83, 84]);

      await livekit.restart();
      await expect
        .poll(
          async () => {
            await send(90);
            return roomLines(logged.lines).length;
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(1);
      expect(String(roomLines(logged.lines)[0]![0])).toBe(`vitals to room ${session.id}: livekit-server takes them again`);
      expect(roomLines(logged.errors)).toHaveLength(1);
    } finally {
      logged.errors.mockRestore();
      logged.lines.mockRestore();
    }
  });
});
