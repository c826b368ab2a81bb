/**
 * Prior imaging against a real PACS: Orthanc with its DICOMweb plugin, loaded with a CT series
 * made here (test/ct-series.ts) for the session's patient and one of someone else. The api finds
 * the patient's studies by MRN (QIDO-RS), renders slices through WADO-RS in window presets, keeps
 * everyone but the members out, and says clearly when the PACS is down or does not answer.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WINDOW_PRESETS } from '@loupe/protocol';
import { sites } from '../src/db/schema.ts';
import { PatientBanners } from '../src/patient/banners.ts';
import { createTestApi, ok, refused, type TestAccount, type TestApi } from './fixture.ts';
import { startOrthanc, type Orthanc } from './orthanc.ts';
import { CT_HU, barColumn, barRows, ctSeries, type CtSeries } from './ct-series.ts';

const MRN = 'MRN-4711';
let orthanc: Orthanc, api: TestApi;
let host: TestAccount, observer: TestAccount, outsider: TestAccount, admin: TestAccount;
let ct: CtSeries, otherPatient: CtSeries;
let sessionId: string;
let silent: Server;
const silentSockets = new Set<Socket>();

async function upload(series: CtSeries) {
  for (const file of series.files) {
    const res = await fetch(`${orthanc.url}/instances`, { method: 'POST', body: file });
    if (!res.ok) throw new Error(`Orthanc refused a slice: ${res.status} ${await res.text()}`);
  }
}

/** A session at a site whose PACS is `dicomwebUrl`, whose bed has sent an ADT for MRN; its id. */
async function sessionWithPacs(dicomwebUrl: string) {
  const siteId = crypto.randomUUID();
  await api.db.insert(sites).values({ id: siteId, name: `Hospital ${siteId.slice(0, 6)}`, kind: 'hospital', dicomwebUrl });
  const json = {
    title: 'ICU consult',
    procedure: 'Consult',
    specialty: 'ICU',
    scheduledAt: '2026-12-06T08:00:00Z',
    kind: 'surgery' as const,
    siteId,
    reviewSiteId: null,
  };
  const { id } = await ok(api.client(host.cookie).sessions.$post({ json }));
  await ok(api.client(host.cookie).sessions[':id'].members.$post({ param: { id }, json: { email: observer.user.email, role: 'observer' } }));
  const bed = `ICU^^${id.slice(0, 8)}`;
  await ok(api.client(host.cookie).sessions[':id']['vitals-source'].$post({ param: { id }, json: { deviceId: bed } }));
  const taken = await new PatientBanners(api.db, api.rooms).take({
    bed,
    controlId: 'a1',
    name: 'WANG, Li',
    sex: 'F',
    birthDate: '1970-03-15',
    mrn: MRN,
    allergies: [],
  });
  expect(taken).toEqual({ sessionId: id });
  return id;
}

beforeAll(async () => {
  orthanc = await startOrthanc();
  ct = ctSeries({ patientId: MRN, slices: 10, size: 64 });
  otherPatient = ctSeries({ patientId: 'MRN-OTHER', slices: 2, size: 64 });
  await upload(ct);
  await upload(otherPatient);
  // A PACS that takes the connection and never answers.
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  api = await createTestApi({}, { priorsTimeoutMs: 1500 });
  host = await api.account('surgeon', 'Dr Host');
  observer = await api.account('mentor', 'Dr Expert');
  outsider = await api.account('mentor', 'Dr Elsewhere');
  admin = await api.account('admin', 'Admin');
  sessionId = await sessionWithPacs(orthanc.dicomweb);
});
afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  await orthanc?.stop();
  await api?.close();
});

const priors = (who: TestAccount) => api.client(who.cookie).sessions[':id'].priors;
const rendered = (who: TestAccount, slice: number, window: keyof typeof WINDOW_PRESETS, series = ct) =>
  priors(who)[':study'].series[':series'].instances[':sop'].rendered.$get({
    param: { id: sessionId, study: series.studyUid, series: series.seriesUid, sop: series.sopUids[slice - 1]! },
    query: { window },
  });

/** The grey level a linear window gives a HU value (PS3.3 C.11.2.1.2.1, 8-bit output). */
function grey(hu: number, window: keyof typeof WINDOW_PRESETS) {
  const { center, width } = WINDOW_PRESETS[window]!;
  return Math.round(Math.min(1, Math.max(0, (hu - (center - width / 2)) / width)) * 255);
}

async function decode(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
  return { width: png.width, height: png.height, at: (x: number, y: number) => png.data[(y * png.width + x) * 4]! };
}

/** How many marker bars the slice shows across its bottom rows: its number. */
function bars(image: { at(x: number, y: number): number }, size: number) {
  const y = barRows(size)[0] + 1;
  let count = 0;
  while (barColumn(count) + 1 < size && image.at(barColumn(count), y) === 255 && image.at(barColumn(count) + 1, y) === 255) count++;
  return count;
}

describe('prior imaging from the PACS', () => {
  it("finds the patient's studies by MRN (QIDO-RS), and lists the series and its slices in order", async () => {
    const found = await ok(priors(observer).$get({ param: { id: sessionId } }));
    expect(found.mrn).toBe(MRN);
    expect(found.studies).toEqual([
      { studyUid: ct.studyUid, date: '2026-01-15', description: 'CT abdomen', modalities: ['CT'], seriesCount: 1, imageCount: 10 },
    ]);
    const { series } = await ok(priors(observer)[':study'].series.$get({ param: { id: sessionId, study: ct.studyUid } }));
    expect(series).toEqual([{ seriesUid: ct.seriesUid, number: 2, modality: 'CT', description: 'Axial 5 mm', imageCount: 10 }]);
    const { instances } = await ok(
      priors(observer)[':study'].series[':series'].instances.$get({ param: { id: sessionId, study: ct.studyUid, series: ct.seriesUid } }),
    );
    expect(instances).toEqual(ct.sopUids.map((sopUid, i) => ({ sopUid, number: i + 1 })));
  });

  it('renders a slice (WADO-RS) with its own pixels, and a window preset changes the rendering as the window says', async () => {
    const soft = await decode(await rendered(observer, 7, 'soft'));
    expect([soft.width, soft.height]).toEqual([64, 64]);
    expect(bars(soft, 64)).toBe(7);
    expect(bars(await decode(await rendered(observer, 3, 'soft')), 64)).toBe(3);
    // Left half soft tissue, right half lung, a bone square top left.
    const points = { soft: [4, 40], lung: [50, 40], bone: [12, 12] } as const;
    const lungWindow = await decode(await rendered(observer, 7, 'lung'));
    const boneWindow = await decode(await rendered(observer, 7, 'bone'));
    for (const [tissue, [x, y]] of Object.entries(points)) {
      const hu = CT_HU[tissue as keyof typeof points];
      expect(Math.abs(soft.at(x, y) - grey(hu, 'soft'))).toBeLessThanOrEqual(1);
      expect(Math.abs(lungWindow.at(x, y) - grey(hu, 'lung'))).toBeLessThanOrEqual(1);
      expect(Math.abs(boneWindow.at(x, y) - grey(hu, 'bone'))).toBeLessThanOrEqual(1);
    }
    // In the soft-tissue window lung is black; in the lung window it is grey, soft tissue nearly white.
    expect(soft.at(50, 40)).toBe(0);
    expect(lungWindow.at(50, 40)).toBeGreaterThan(90);
    expect(lungWindow.at(4, 40)).toBeGreaterThan(soft.at(4, 40) + 90);
  });

  it("keeps out everyone who is not a member, and every study that is not this patient's", async () => {
    await refused(priors(outsider).$get({ param: { id: sessionId } }), 404);
    await refused(priors(admin).$get({ param: { id: sessionId } }), 403);
    await refused(rendered(outsider, 1, 'soft'), 404);
    await refused(api.client().sessions[':id'].priors.$get({ param: { id: sessionId } }), 401);
    // Another patient's study on the same PACS, asked for by its UIDs: not found.
    await refused(priors(observer)[':study'].series.$get({ param: { id: sessionId, study: otherPatient.studyUid } }), 404);
    await refused(rendered(observer, 1, 'soft', otherPatient), 404);
    // Only DICOM UIDs go into the PACS's URL.
    const res = await api.app.request(`/sessions/${sessionId}/priors/1.2%2F..%2F..%2Fsystem/series`, { headers: { cookie: observer.cookie } });
    expect(res.status).toBe(400);
  });

  it('a PACS that is down or silent gets a clear message, and the session carries on', async () => {
    await orthanc.kill();
    try {
      const down = await priors(observer).$get({ param: { id: sessionId } });
      expect(down.status).toBe(502);
      expect(await down.json()).toMatchObject({
        error: { code: 'unavailable', message: expect.stringMatching(/^The PACS is not available: it cannot be reached .*The session is not affected/) },
      });
      // The session's own routes do not depend on the PACS.
      await ok(api.client(observer.cookie).sessions[':id'].$get({ param: { id: sessionId } }));
      expect((await ok(api.client(observer.cookie).sessions[':id'].patient.$get({ param: { id: sessionId } }))).banner?.mrn).toBe(MRN);
    } finally {
      await orthanc.start();
    }
    expect(bars(await decode(await rendered(observer, 5, 'soft')), 64)).toBe(5);

    const silentId = await sessionWithPacs(`http://127.0.0.1:${(silent.address() as { port: number }).port}/dicom-web`);
    const slow = await api.client(observer.cookie).sessions[':id'].priors.$get({ param: { id: silentId } });
    expect(slow.status).toBe(504);
    expect(await slow.json()).toMatchObject({ error: { code: 'unavailable', message: expect.stringContaining('no answer within 1.5 s') } });
  });

  it('says so when the site has no PACS', async () => {
    const siteless = await ok(
      api.client(host.cookie).sessions.$post({
        json: {
          title: 'No PACS',
          procedure: 'Consult',
          specialty: 'ICU',
          scheduledAt: '2026-12-06T08:00:00Z',
          kind: 'surgery',
          siteId: null,
          reviewSiteId: null,
        },
      }),
    );
    const res = await api.client(host.cookie).sessions[':id'].priors.$get({ param: { id: siteless.id } });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { reason: 'no_pacs' } });
  });
});
