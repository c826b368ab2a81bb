/**
 * The patient banner from HL7 ADT over a real MLLP socket: an A01/A08 for a session's bed is
 * acknowledged and becomes its banner, seen by its members only, and never by a published case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { cases, recordings } from '../src/db/schema.ts';
import { PatientBanners } from '../src/patient/banners.ts';
import { startHl7Listener, type Hl7Listener } from '../src/vitals/listener.ts';
import { createTestApi, ok, refused, type TestAccount, type TestApi } from './fixture.ts';
import { adt, type AdtFields } from './adt-messages.ts';

let api: TestApi, listener: Hl7Listener, client: Hl7Client, patients: PatientBanners;
let host: TestAccount, observer: TestAccount, outsider: TestAccount, admin: TestAccount;
let sent = 0;

beforeAll(async () => {
  api = await createTestApi();
  host = await api.account('surgeon', 'Dr Host');
  observer = await api.account('trainee', 'Trainee Li');
  outsider = await api.account('mentor', 'Dr Elsewhere');
  admin = await api.account('admin', 'Admin');
  patients = new PatientBanners(api.db, api.rooms);
  listener = await startHl7Listener(api.vitals, { host: '127.0.0.1', port: 0 }, patients);
  client = new Hl7Client({ host: '127.0.0.1', port: listener.port });
});
afterAll(async () => {
  await client.close();
  await listener.stop();
  await api.close();
});

/** A session with an observer and a monitor bound to a bed of its own; its id and bed. */
async function sessionAtBed() {
  const json = { title: 'Trauma bay', procedure: 'Laparotomy', specialty: 'Emergency', scheduledAt: '2026-12-06T08:00:00Z', kind: 'surgery' as const };
  const { id } = await ok(api.client(host.cookie).sessions.$post({ json: { ...json, siteId: null, reviewSiteId: null } }));
  await ok(api.client(host.cookie).sessions[':id'].members.$post({ param: { id }, json: { email: observer.user.email, role: 'observer' } }));
  const bed = `ER^^${++sent}`;
  await ok(api.client(host.cookie).sessions[':id']['vitals-source'].$post({ param: { id }, json: { deviceId: bed } }));
  return { id, bed };
}

const send = async (text: string) => {
  const ack = await client.sendAndWait(Hl7Message.parse(text), { timeoutMs: 10_000 });
  const msa = ack.getSegment('MSA')!;
  const reason = msa.getField(3).toString().replaceAll('\\S\\', '^').replaceAll('\\F\\', '|');
  return { code: msa.getField(1).toString(), controlId: msa.getField(2).toString(), reason };
};
const patient = (bed: string, more: Partial<AdtFields> = {}) =>
  adt({
    controlId: `adt${++sent}`,
    bed,
    mrn: 'MRN-4711',
    family: 'Wang',
    given: 'Li',
    birth: '19700315',
    sex: 'F',
    allergies: [['Penicillin', 'SV']],
    ...more,
  });
const banner = (who: TestAccount, id: string) => api.client(who.cookie).sessions[':id'].patient.$get({ param: { id } });

describe('patient banner over MLLP', () => {
  it("an ADT^A01 for the session's bed is acknowledged and is the banner its members see; an A08 updates it", async () => {
    const { id, bed } = await sessionAtBed();
    expect((await ok(banner(host, id))).banner).toBeNull();
    expect(await send(patient(bed))).toMatchObject({ code: 'AA', controlId: `adt${sent}` });
    const seen = await ok(banner(observer, id));
    expect(seen.banner).toMatchObject({ name: 'WANG, Li', sex: 'F', birthDate: '1970-03-15', mrn: 'MRN-4711', allergies: ['Penicillin (SV)'] });
    expect(seen.banner!.ageYears).toBeGreaterThanOrEqual(56);
    // The room is told that it changed, and nothing more: pages fetch it through the member check.
    expect(api.roomCalls.filter((c) => c.room === id && c.action === 'patient')).toEqual([{ action: 'patient', room: id }]);

    expect(
      await send(
        patient(bed, {
          event: 'A08',
          allergies: [
            ['Penicillin', 'SV'],
            ['Latex', 'MO'],
          ],
        }),
      ),
    ).toMatchObject({ code: 'AA' });
    expect((await ok(banner(host, id))).banner!.allergies).toEqual(['Penicillin (SV)', 'Latex (MO)']);
  });

  it('is refused to everyone who is not a member: an outsider as if the session did not exist, an admin outside it, a signed-out caller', async () => {
    const { id, bed } = await sessionAtBed();
    expect(await send(patient(bed))).toMatchObject({ code: 'AA' });
    await refused(banner(outsider, id), 404);
    await refused(banner(admin, id), 403);
    await refused(api.client().sessions[':id'].patient.$get({ param: { id } }), 401);
  });

  it('never appears in a published case or its api', async () => {
    const { id, bed } = await sessionAtBed();
    expect(await send(patient(bed, { family: 'Zhangsan', mrn: 'MRN-SECRET-99' }))).toMatchObject({ code: 'AA' });
    const recordingId = crypto.randomUUID();
    const at = new Date(Date.UTC(2026, 11, 6, 9));
    await api.db.insert(recordings).values({
      id: recordingId,
      sessionId: id,
      status: 'ready',
      consentBy: host.user.id,
      consentAt: at,
      consentOnFile: true,
      noIdentifiersInView: true,
      startedAt: at,
    });
    const caseId = crypto.randomUUID();
    await api.db.insert(cases).values({
      id: caseId,
      sessionId: id,
      recordingId,
      status: 'ready',
      title: 'Published',
      procedure: 'Laparotomy',
      specialty: 'Emergency',
      published: true,
      recordedAt: at,
      retainUntil: new Date(Date.UTC(2036, 0, 1)),
    });

    // An outsider sees the published case; a member sees the case and the session. Neither sees the patient in them.
    for (const who of [outsider, host]) {
      const bodies = [
        await (await api.client(who.cookie).cases[':id'].$get({ param: { id: caseId } })).text(),
        await (await api.client(who.cookie).cases.$get({ query: {} })).text(),
        await (await api.client(who.cookie).cases[':id'].stills.$get({ param: { id: caseId } })).text(),
      ];
      expect(bodies[0]).toContain(caseId);
      for (const body of bodies) expect(body).not.toMatch(/Zhangsan|MRN-SECRET-99|Penicillin/i);
    }
    const session = await (await api.client(host.cookie).sessions[':id'].$get({ param: { id } })).text();
    expect(session).not.toMatch(/Zhangsan|MRN-SECRET-99/i);
  });

  it('refuses an ADT for a bed no session has, and a malformed one, with the reason, counts them, and serves on', async () => {
    const { id, bed } = await sessionAtBed();
    const before = { ...patients.counts };
    expect(await send(patient('NOWHERE^^9'))).toMatchObject({ code: 'AE', reason: 'No session is bound to bed NOWHERE^^9' });
    expect(await send(patient(bed, { sex: 'X' }))).toMatchObject({ code: 'AE', reason: expect.stringContaining('PID-8 "X"') });
    expect(await send(patient(bed, { event: 'A03' }))).toMatchObject({ code: 'AR', reason: expect.stringContaining('Only ADT^A01 and ADT^A08') });
    expect(patients.counts).toEqual({ ...before, unknownBed: before.unknownBed + 1, malformed: before.malformed + 2 });
    expect((await ok(banner(host, id))).banner).toBeNull();
    expect(await send(patient(bed))).toMatchObject({ code: 'AA' });
    expect((await ok(banner(host, id))).banner?.name).toBe('WANG, Li');
  });
});
