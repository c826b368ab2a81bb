/**
 * The HL7 listener over a real MLLP socket: a monitor's ORU^R01 is acknowledged, its values reach
 * the session's GET and its room; bad messages get AE/AR with the reason and the listener serves on.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { DEFAULT_VITALS_LIMITS, TOPICS } from '@loupe/protocol';
import { createTestApi, ok, refused, type TestAccount, type TestApi } from './fixture.ts';
import { startHl7Listener, type Hl7Listener } from '../src/vitals/listener.ts';
import { MINDRAY_OR3, oruR01 } from './pcd01-messages.ts';

let api: TestApi, listener: Hl7Listener, client: Hl7Client;
let host: TestAccount, observer: TestAccount;
let sessionId: string, bed: string;
let sent = 0;

beforeAll(async () => {
  api = await createTestApi();
  host = await api.account('surgeon', 'Dr Host');
  observer = await api.account('trainee', 'Trainee Li');
  listener = await startHl7Listener(api.vitals, { host: '127.0.0.1', port: 0 });
  client = new Hl7Client({ host: '127.0.0.1', port: listener.port });
});
afterAll(async () => {
  await client.close();
  await listener.stop();
  await api.close();
});

beforeEach(async () => {
  const session = await ok(
    api.client(host.cookie).sessions.$post({
      json: {
        title: 'Lap chole',
        procedure: 'Cholecystectomy',
        specialty: 'General',
        scheduledAt: '2026-12-06T08:00:00Z',
        kind: 'surgery',
        siteId: null,
        reviewSiteId: null,
      },
    }),
  );
  sessionId = session.id;
  await ok(api.client(host.cookie).sessions[':id'].members.$post({ param: { id: sessionId }, json: { email: observer.user.email, role: 'observer' } }));
  bed = `OR${++sent}^^1`;
  await ok(api.client(host.cookie).sessions[':id']['vitals-source'].$post({ param: { id: sessionId }, json: { deviceId: bed } }));
});

const send = async (text: string) => {
  const ack = await client.sendAndWait(Hl7Message.parse(text), { timeoutMs: 10_000 });
  const msa = ack.getSegment('MSA')!;
  // The reason as a person reads it: HL7's escapes for ^ and | undone.
  const reason = msa.getField(3).toString().replaceAll('\\S\\', '^').replaceAll('\\F\\', '|');
  return { code: msa.getField(1).toString(), controlId: msa.getField(2).toString(), reason };
};
const message = (values: Parameters<typeof oruR01>[0]['values'], at = new Date()) => oruR01({ bed, controlId: `c${++sent}`, at, values });

describe('HL7 listener', () => {
  it('acknowledges a monitor message (AA), and its values reach GET and the room as a vitals packet', async () => {
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const text = message({ hr: 72, spo2: 98, nibpSys: 118, etco2: 38 }, at);
    expect(await send(text)).toMatchObject({ code: 'AA', controlId: `c${sent}` });

    const vitals = await ok(api.client(observer.cookie).sessions[':id'].vitals.$get({ param: { id: sessionId } }));
    expect(vitals.deviceId).toBe(bed);
    expect(vitals.history).toEqual({
      hr: [{ t: at.getTime(), value: 72 }],
      spo2: [{ t: at.getTime(), value: 98 }],
      nibpSys: [{ t: at.getTime(), value: 118 }],
      etco2: [{ t: at.getTime(), value: 38 }],
    });
    expect(api.roomCalls.filter((c) => c.action === 'vitals' && c.room === sessionId)).toEqual([
      {
        action: 'vitals',
        room: sessionId,
        packet: { v: 1, t: at.getTime(), values: { hr: 72, spo2: 98, nibpSys: 118, etco2: 38 }, limits: DEFAULT_VITALS_LIMITS },
      },
    ]);
    expect(TOPICS.vitals).toBe('loupe.vitals');
  });

  it('a full gateway message is taken for the bed it names', async () => {
    await ok(api.client(host.cookie).sessions[':id']['vitals-source'].$delete({ param: { id: sessionId } }));
    // The sample's bed, bound to this session after a previous test's session may have held it.
    await ok(api.client(host.cookie).sessions[':id']['vitals-source'].$post({ param: { id: sessionId }, json: { deviceId: '00A037009B000001' } }));
    expect(await send(MINDRAY_OR3.replace('|1001|P|', `|m${++sent}|P|`))).toMatchObject({ code: 'AA' });
    const vitals = await ok(api.client(host.cookie).sessions[':id'].vitals.$get({ param: { id: sessionId } }));
    expect(Object.keys(vitals.history).sort()).toEqual(['etco2', 'hr', 'nibpDia', 'nibpMean', 'nibpSys', 'rr', 'spo2', 'temp']);
    await ok(api.client(host.cookie).sessions[':id']['vitals-source'].$delete({ param: { id: sessionId } }));
  });

  it('refuses an unknown monitor and a message out of order (AE, with the reason), and counts them', async () => {
    const before = { ...api.vitals.counts };
    const unknown = oruR01({ bed: 'NOWHERE^^9', controlId: `c${++sent}`, at: new Date(), values: { hr: 80 } });
    expect(await send(unknown)).toMatchObject({ code: 'AE', reason: expect.stringContaining('No session is bound to this monitor (NOWHERE^^9)') });

    expect(await send(message({ hr: 80 }, new Date(Date.UTC(2026, 11, 6, 12, 0, 10))))).toMatchObject({ code: 'AA' });
    expect(await send(message({ hr: 81 }, new Date(Date.UTC(2026, 11, 6, 12, 0, 5))))).toMatchObject({
      code: 'AE',
      reason: expect.stringContaining('Out of order'),
    });
    expect(api.vitals.counts).toMatchObject({ unknownDevice: before.unknownDevice + 1, outOfOrder: before.outOfOrder + 1, accepted: before.accepted + 1 });
    const vitals = await ok(api.client(host.cookie).sessions[':id'].vitals.$get({ param: { id: sessionId } }));
    expect(vitals.history.hr?.map((s) => s.value)).toEqual([80]);
  });

  it('answers malformed input with AE/AR and keeps serving', async () => {
    expect(await send(message({ hr: 72 }).replace('|72|', '|seventy|'))).toMatchObject({ code: 'AE', reason: expect.stringContaining('is not a number') });
    expect(await send(message({ hr: 72 }).replace('ORU^R01^ORU_R01', 'ADT^A01^ADT_A01'))).toMatchObject({
      code: 'AR',
      reason: expect.stringContaining('Only ORU^R01'),
    });
    expect(await rawExchange('hello, not HL7')).toMatch(/\rMSA\|AR\|\|Not an HL7 v2 message/);
    // The same connection and the listener both still take a good message.
    expect(await send(message({ hr: 73 }))).toMatchObject({ code: 'AA' });
  });

  it('closes a connection that sends more than a megabyte without ending a frame, and serves the others', async () => {
    const closed = await new Promise<boolean>((resolve, reject) => {
      const socket = connect(listener.port, '127.0.0.1', () => {
        socket.write(Buffer.from([0x0b]));
        socket.write(Buffer.alloc(2 * 1024 * 1024, 0x41));
      });
      socket.on('close', () => resolve(true));
      socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    });
    expect(closed).toBe(true);
    expect(await send(message({ hr: 74 }))).toMatchObject({ code: 'AA' });
  });

  it('binding: only the host or a mentor, and one live session per monitor', async () => {
    await refused(api.client(observer.cookie).sessions[':id']['vitals-source'].$post({ param: { id: sessionId }, json: { deviceId: 'X^^1' } }), 403);
    const other = await ok(
      api.client(host.cookie).sessions.$post({
        json: {
          title: 'Other',
          procedure: 'Other',
          specialty: 'General',
          scheduledAt: '2026-12-06T08:00:00Z',
          kind: 'surgery',
          siteId: null,
          reviewSiteId: null,
        },
      }),
    );
    const res = await api.client(host.cookie).sessions[':id']['vitals-source'].$post({ param: { id: other.id }, json: { deviceId: bed } });
    expect(await refused(res, 409)).toMatchObject({ error: { reason: 'device_bound' } });
    // Its bed bound here and its device there: refused, not guessed.
    await ok(api.client(host.cookie).sessions[':id']['vitals-source'].$post({ param: { id: other.id }, json: { deviceId: '00A037009B000001' } }));
    const both = MINDRAY_OR3.replace('PV1||I|OR3^^1', `PV1||I|${bed}`).replace('|1001|P|', `|m${++sent}|P|`);
    expect(await send(both)).toMatchObject({ code: 'AE', reason: expect.stringContaining('bound to 2 sessions') });
    await ok(api.client(host.cookie).sessions[':id']['vitals-source'].$delete({ param: { id: other.id } }));
    const limits = await ok(api.client(observer.cookie).sessions[':id'].vitals.$get({ param: { id: sessionId } }));
    const changed = { ...limits.limits, hr: { low: 40, high: 100 } };
    const saved = await ok(api.client(host.cookie).sessions[':id']['vitals-limits'].$put({ param: { id: sessionId }, json: changed }));
    expect(saved.limits.hr).toEqual({ low: 40, high: 100 });
    // Open pages learn the new limits from the room.
    expect(api.roomCalls.filter((c) => c.action === 'vitals' && c.room === sessionId).at(-1)?.packet).toMatchObject({ v: 1, values: {}, limits: changed });
    await refused(
      api.client(host.cookie).sessions[':id']['vitals-limits'].$put({ param: { id: sessionId }, json: { ...changed, hr: { low: 100, high: 40 } } }),
      400,
    );
  });
});

/** One MLLP frame on a socket of its own, and the one frame answered. */
function rawExchange(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(listener.port, '127.0.0.1', () => socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(text), Buffer.from([0x1c, 0x0d])])));
    let got = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf(0x1c);
      if (end < 0) return;
      socket.destroy();
      resolve(got.subarray(1, end).toString());
    });
    socket.on('error', reject);
  });
}
