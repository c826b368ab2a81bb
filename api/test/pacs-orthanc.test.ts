/**
 * Accepted stills to a real PACS: Orthanc with its DICOMweb plugin, taken down mid-exam and
 * brought back on the same storage. The outbox is driven pass by pass (`runOutboxOnce` with an
 * explicit clock), so no test waits for a timer.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_PROTOCOLS } from '@loupe/protocol';
import { auditLog, exams, sites, stills } from '../src/db/schema.ts';
import { RETRY_FIRST_MS, runOutboxOnce } from '../src/pacs/outbox.ts';
import { StoreError, storeInstance } from '../src/pacs/stow.ts';
import type { Resolve } from '../src/pacs/pacs-fetch.ts';
import { stillToDicom } from '../src/pacs/dicom.ts';
import { findStudies } from '../src/priors/dicomweb.ts';
import { dicomUid } from '../src/exams/png.ts';
import { acceptedStill, examAt, markedPng } from './accepted-stills.ts';
import { contentDigest, sectorPng } from './stills.ts';
import { checkDicom } from './dicom-check.ts';
import { createTestApi, ok, type TestApi } from './fixture.ts';
import { startOrthanc, type Orthanc } from './orthanc.ts';

let orthanc: Orthanc;
let api: TestApi;
let mediaDir: string;

beforeAll(async () => {
  orthanc = await startOrthanc();
  mediaDir = await mkdtemp(join(tmpdir(), 'loupe-pacs-media-'));
  api = await createTestApi({ LOUPE_MEDIA_DIR: mediaDir });
});
afterAll(async () => {
  await orthanc?.stop();
  await api?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

const outbox = () => ({ media: api.media, dicomwebUrl: undefined });
const stillRow = (id: string) => api.db.select().from(stills).where(eq(stills.id, id)).get();

/** The instance Orthanc stored under `sopInstanceUid`, as a Part 10 file, and its tags. */
async function storedInstance(sopInstanceUid: string) {
  const found = (await (await fetch(`${orthanc.url}/tools/lookup`, { method: 'POST', body: sopInstanceUid })).json()) as { ID: string; Type: string }[];
  const id = found.find((f) => f.Type === 'Instance')?.ID;
  if (!id) throw new Error(`Orthanc has no instance ${sopInstanceUid}`);
  const file = Buffer.from(await (await fetch(`${orthanc.url}/instances/${id}/file`)).arrayBuffer());
  const tags = (await (await fetch(`${orthanc.url}/instances/${id}/simplified-tags`)).json()) as Record<string, string>;
  return { file, tags };
}

/** The PNG's pixels as ffmpeg decodes them, packed RGB: a decoder independent of the one under test. */
async function ffmpegRgb(png: Buffer): Promise<Buffer> {
  const path = join(mediaDir, `decode-${crypto.randomUUID()}.png`);
  await writeFile(path, png);
  const { stdout } = await promisify(execFile)('ffmpeg', ['-loglevel', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** The parts of a multipart/related body. */
function multipartParts(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(at + delimiter.length, next);
    const headersEnd = part.indexOf('\r\n\r\n');
    parts.push(part.subarray(headersEnd + 4, part.length - 2)); // the CRLF before the next delimiter
    at = next;
  }
  return parts;
}

describe('an accepted still in the site’s PACS', () => {
  it('is stored as a Secondary Capture that dciodvfy finds no error in, with the exam’s patient, study and site', async () => {
    // As the scan room and the reviewer make it: an exam on a site with a PACS, a still, a verdict.
    const [host, mentor, scanRoom] = [await api.account('surgeon'), await api.account('mentor'), await api.account('surgeon')];
    const [siteId, reviewSiteId] = [crypto.randomUUID(), crypto.randomUUID()];
    await api.db.insert(sites).values([
      { id: siteId, name: 'Dali County People’s Hospital', kind: 'hospital', dicomwebUrl: orthanc.dicomweb },
      { id: reviewSiteId, name: 'Yunnan Ultrasound QC Centre', kind: 'centre' },
    ]);
    const session = await ok(
      api.client(host.cookie).sessions.$post({
        json: {
          title: 'eFAST, bed 3',
          procedure: 'eFAST',
          specialty: 'Emergency',
          scheduledAt: '2026-12-06T08:00:00Z',
          kind: 'ultrasound',
          siteId,
          reviewSiteId,
        },
      }),
    );
    for (const [who, role] of [
      [mentor, 'mentor'],
      [scanRoom, 'theatre'],
    ] as const)
      await ok(api.client(host.cookie).sessions[':id'].members.$post({ param: { id: session.id }, json: { email: who.user.email, role } }));
    const patient = { name: 'Wang^Wei', id: 'MRN-0042', birthDate: '1980-02-03', sex: 'M' as const, accessionNumber: 'ACC-7' };
    const exam = await ok(api.client(mentor.cookie).sessions[':id'].exams.$post({ param: { id: session.id }, json: { protocolKey: 'efast', patient } }));
    const png = sectorPng(320, 240, 1);
    const { id } = await ok(
      api
        .client(scanRoom.cookie)
        .exams[':id'].stills.$post(
          { param: { id: exam.id }, query: { view: 'ruq' }, header: { 'content-digest': contentDigest(png) } },
          { headers: { 'content-type': 'image/png' }, init: { body: new Uint8Array(png) } },
        ),
    );
    await ok(api.client(mentor.cookie).stills[':id'].verdict.$post({ param: { id }, json: { verdict: 'accepted', score: 4 } }));

    expect(await runOutboxOnce(api.db, outbox())).toEqual(['sent']);

    const row = await stillRow(id);
    expect(row).toMatchObject({ pacsState: 'sent', pacsAttempts: 1, pacsError: null, pacsNextAt: null });
    const { file, tags } = await storedInstance(row!.sopInstanceUid);
    const check = await checkDicom(file);
    expect(check.iod).toBe('SCImage');
    expect(check.errors).toEqual([]);
    const stored = await api.db.select().from(exams).where(eq(exams.id, exam.id)).get();
    const efast = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!;
    const ruq = efast.views.find((v) => v.key === 'ruq')!.name;
    expect(tags).toMatchObject({
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
      StudyInstanceUID: stored!.studyUid,
      SeriesInstanceUID: stored!.seriesUid,
      PatientName: 'Wang^Wei',
      PatientID: 'MRN-0042',
      PatientBirthDate: '19800203',
      PatientSex: 'M',
      AccessionNumber: 'ACC-7',
      Modality: 'US',
      ConversionType: 'WSD',
      InstitutionName: 'Dali County People’s Hospital',
      SeriesDescription: efast.name.en,
      // The view in both languages: the site's readers may read either.
      ImageComments: `${ruq.en} / ${ruq.zh}`,
    });
    const audit = await api.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, id), like(auditLog.action, 'pacs.%')));
    expect(audit.map((a) => a.action)).toEqual(['pacs.sent']);
  });

  it('carries the PNG’s pixels byte for byte: the frame served over WADO-RS is the PNG’s RGB', async () => {
    const exam = await examAt(api, { dicomwebUrl: orthanc.dicomweb });
    const png = markedPng(2);
    const still = await acceptedStill(api, exam, 'luq', png);
    expect(await runOutboxOnce(api.db, outbox())).toEqual(['sent']);

    const res = await fetch(`${orthanc.dicomweb}/studies/${exam.studyUid}/series/${exam.seriesUid}/instances/${still.sopInstanceUid}/frames/1`, {
      headers: { accept: 'multipart/related; type="application/octet-stream"' },
    });
    expect(res.status).toBe(200);
    const frames = multipartParts(Buffer.from(await res.arrayBuffer()), res.headers.get('content-type')!);
    const rgb = await ffmpegRgb(png);
    expect(rgb.length).toBe(320 * 240 * 3);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.length).toBe(rgb.length);
    expect(frames[0]!.equals(rgb)).toBe(true);
  });

  it('from an exam de-identified for teaching, has no patient identifiers and says how it was de-identified', async () => {
    const exam = await examAt(api, { dicomwebUrl: orthanc.dicomweb, patient: null });
    const still = await acceptedStill(api, exam, 'pelvis', sectorPng(320, 240, 3));
    expect(await runOutboxOnce(api.db, outbox())).toEqual(['sent']);

    const { file, tags } = await storedInstance(still.sopInstanceUid);
    const check = await checkDicom(file);
    expect(check.errors).toEqual([]);
    expect(tags).toMatchObject({ PatientName: '', PatientBirthDate: '', PatientSex: '', PatientIdentityRemoved: 'YES' });
    expect(tags.PatientID).toMatch(/^LOUPE-[0-9a-f]{16}$/);
    expect(tags.DeidentificationMethod).toContain('no patient identifiers');
    expect(tags.AccessionNumber).toBe('');
  });
});

describe('where a still goes', () => {
  it('to LOUPE_DICOMWEB_URL when the site names no PACS of its own', async () => {
    const exam = await examAt(api, { dicomwebUrl: null });
    const still = await acceptedStill(api, exam, 'subxiphoid', sectorPng(320, 240, 7));
    expect(await runOutboxOnce(api.db, { media: api.media, dicomwebUrl: orthanc.dicomweb })).toEqual(['sent']);
    expect(await orthanc.instanceUids()).toContain(still.sopInstanceUid);
  });
});

describe('a PACS that goes down mid-exam', () => {
  it('loses no still: failed with the reason, retried with backoff, all sent once it is back, none twice', async () => {
    const exam = await examAt(api, { dicomwebUrl: orthanc.dicomweb });
    const first = await acceptedStill(api, exam, 'ruq', sectorPng(320, 240, 4));
    expect(await runOutboxOnce(api.db, outbox())).toEqual(['sent']);
    const before = (await orthanc.instanceUids()).length;

    await orthanc.kill();
    const t0 = new Date();
    const second = await acceptedStill(api, exam, 'luq', sectorPng(320, 240, 5), t0);
    expect(await runOutboxOnce(api.db, outbox(), t0)).toEqual(['failed']);
    const failed = await stillRow(second.id);
    expect(failed).toMatchObject({ pacsState: 'failed', pacsAttempts: 1 });
    expect(failed?.pacsError).toMatch(/^PACS not reachable at http:\/\/127\.0\.0\.1:\d+\/dicom-web\/studies: ECONNREFUSED$/);
    expect(failed?.pacsNextAt?.getTime()).toBe(t0.getTime() + RETRY_FIRST_MS);

    // Not due yet: nothing is tried. Then due: tried again, and the wait doubles.
    expect(await runOutboxOnce(api.db, outbox(), new Date(t0.getTime() + RETRY_FIRST_MS - 1))).toEqual([]);
    const t1 = new Date(t0.getTime() + RETRY_FIRST_MS);
    expect(await runOutboxOnce(api.db, outbox(), t1)).toEqual(['failed']);
    expect(await stillRow(second.id)).toMatchObject({ pacsState: 'failed', pacsAttempts: 2, pacsNextAt: new Date(t1.getTime() + 2 * RETRY_FIRST_MS) });

    // Another view accepted while the PACS is still down.
    const third = await acceptedStill(api, exam, 'pelvis', sectorPng(320, 240, 6), t1);
    expect(await runOutboxOnce(api.db, outbox(), t1)).toEqual(['failed']);

    await orthanc.start();
    const later = new Date(t1.getTime() + 60_000);
    expect((await runOutboxOnce(api.db, outbox(), later)).sort()).toEqual(['sent', 'sent']);
    expect(await runOutboxOnce(api.db, outbox(), new Date(later.getTime() + 3_600_000))).toEqual([]);

    for (const s of [second, third]) expect(await stillRow(s.id)).toMatchObject({ pacsState: 'sent', pacsError: null, pacsNextAt: null });
    const held = await orthanc.instanceUids();
    expect(held.length).toBe(before + 2);
    for (const s of [first, second, third]) expect(held.filter((uid) => uid === s.sopInstanceUid)).toHaveLength(1);
    // One failure entry per reason, not per attempt; one sent entry per still.
    const audit = await api.db.select().from(auditLog).where(eq(auditLog.targetId, second.id));
    expect(audit.map((a) => a.action)).toEqual(['pacs.failed', 'pacs.sent']);
    expect(audit[0]!.detail).toMatchObject({ attempts: 1, retryAt: new Date(t0.getTime() + RETRY_FIRST_MS).toISOString() });
  });
});

describe('a PACS that refuses', () => {
  it('gives its reason, as a refusal not worth retrying', async () => {
    const refused = await storeInstance(orthanc.dicomweb, dicomUid(), Buffer.from('not a DICOM file')).then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(StoreError);
    expect(refused).toMatchObject({ permanent: true, message: 'PACS answered 400 Bad Request' });
  });
});

describe('a PACS named by a host name', () => {
  /** An instance to send, as the outbox makes it. */
  const instance = () => {
    const sopInstanceUid = dicomUid();
    const file = stillToDicom(markedPng(9), {
      examId: crypto.randomUUID(),
      studyUid: dicomUid(),
      seriesUid: dicomUid(),
      sopInstanceUid,
      patient: null,
      examStartedAt: new Date(),
      capturedAt: new Date(),
      instanceNumber: 1,
      protocolName: 'eFAST',
      viewName: 'RUQ',
      institution: null,
    });
    return { sopInstanceUid, file };
  };
  /** A hosts file for the test: no name here is in any DNS. Each look-up answers the next entry of its list. */
  const hosts = (table: Record<string, string[][]>): Resolve => {
    const asked = new Map<string, number>();
    return async (hostname) => {
      const answers = table[hostname];
      if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      const n = asked.get(hostname) ?? 0;
      asked.set(hostname, n + 1);
      return answers[Math.min(n, answers.length - 1)]!.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  };
  const port = () => new URL(orthanc.dicomweb).port;
  const stored = (o: { sopInstanceUid: string; file: Buffer }, base: string, resolve: Resolve) =>
    storeInstance(base, o.sopInstanceUid, o.file, { resolve }).then(
      () => null,
      (err: unknown) => err,
    );

  it('is reached at the address the name resolves to, once that address is checked', async () => {
    const one = instance();
    expect(await stored(one, `http://pacs.dali-hospital.test:${port()}/dicom-web`, hosts({ 'pacs.dali-hospital.test': [['127.0.0.1']] }))).toBeNull();
    expect(await orthanc.instanceUids()).toContain(one.sopInstanceUid);
  });

  it('is refused, before any connection, when the name resolves to a link-local or cloud metadata address', async () => {
    const before = await orthanc.instanceUids();
    const resolve = hosts({
      'pacs.rebind.test': [['169.254.169.254']],
      'pacs6.rebind.test': [['fd00:ec2::254']],
      // One good address beside a bad one is still a name that points at the metadata service.
      'pacs-mixed.rebind.test': [['127.0.0.1', '169.254.170.2']],
    });
    for (const [name, address] of [
      ['pacs.rebind.test', '169.254.169.254'],
      ['pacs6.rebind.test', 'fd00:ec2::254'],
      ['pacs-mixed.rebind.test', '169.254.170.2'],
    ]) {
      const refused = await stored(instance(), `http://${name}:${port()}/dicom-web`, resolve);
      expect(refused).toBeInstanceOf(StoreError);
      expect((refused as StoreError).message).toContain(`${name} resolves to ${address}, which is a link-local or cloud metadata address`);
      // Kept in the queue: an admin fixes the site's address, and the still goes then.
      expect((refused as StoreError).permanent).toBe(false);
    }
    // A URL that names the address itself (a site saved before the check, say) is refused at use too.
    const literal = await stored(instance(), 'http://[fd00:ec2::254]/dicom-web', resolve);
    expect((literal as StoreError).message).toMatch(/\[fd00:ec2::254\] is a link-local or cloud metadata address/);
    expect(await orthanc.instanceUids()).toEqual(before);
  });

  it('is refused when the name turns into a metadata address after it was first checked (DNS rebinding)', async () => {
    // The attacker's DNS: the PACS's address at first, the metadata service's next.
    const dns = hosts({ 'pacs.rebinding.test': [['127.0.0.1'], ['169.254.169.254']] });
    const base = `http://pacs.rebinding.test:${port()}/dicom-web`;
    const first = instance();
    expect(await stored(first, base, (name) => dns(name))).toBeNull();
    // A new connection (an agent of its own: the first one's kept-alive socket stays at the checked address) looks the name up again.
    const second = instance();
    expect(await stored(second, base, (name) => dns(name))).toMatchObject({ message: expect.stringContaining('resolves to 169.254.169.254') });
    const held = await orthanc.instanceUids();
    expect(held).toContain(first.sopInstanceUid);
    expect(held).not.toContain(second.sopInstanceUid);
  });

  it('reading prior imaging is refused the same way', async () => {
    const pacs = { base: `http://pacs.rebind.test:${port()}/dicom-web`, timeoutMs: 10_000, resolve: hosts({ 'pacs.rebind.test': [['169.254.169.254']] }) };
    const refused = await findStudies(pacs, 'MRN-0042').then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toMatchObject({ status: 502, message: expect.stringContaining('pacs.rebind.test resolves to 169.254.169.254') });
  });
});
