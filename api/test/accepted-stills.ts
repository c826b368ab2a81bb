/**
 * Accepted stills as the exam routes leave them (rows written straight to the test database,
 * the PNG in the media folder), for the PACS outbox's tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { PNG } from 'pngjs';
import { BUILT_IN_PROTOCOLS, stillFile, type ExamPatient } from '@loupe/protocol';
import { exams, liveSessions, sites, stills } from '../src/db/schema.ts';
import { dicomUid } from '../src/exams/png.ts';
import type { TestApi } from './fixture.ts';
import { sectorPng } from './stills.ts';

/**
 * A still whose three colour channels differ (a yellow depth marker on the grey sector), as RGBA:
 * a swapped channel or a kept alpha shows in its pixels.
 */
export function markedPng(seed = 1): Buffer {
  const png = PNG.sync.read(sectorPng(320, 240, seed));
  for (let y = 0; y < png.height; y += 40) {
    for (let x = 300; x < 306; x++) {
      const i = (y * png.width + x) * 4;
      png.data.set([250, 210, 20, 255], i);
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}

export type ExamFixture = { examId: string; sessionId: string; siteId: string | null; studyUid: string; seriesUid: string };

/** A site (with its PACS, or none), an ultrasound session and a running eFAST exam. */
export async function examAt(api: TestApi, o: { siteName?: string; dicomwebUrl?: string | null; patient?: ExamPatient | null; noSite?: boolean } = {}) {
  const { user } = await api.account('mentor');
  const siteId = o.noSite ? null : randomUUID();
  if (siteId)
    await api.db
      .insert(sites)
      .values({ id: siteId, name: o.siteName ?? `County hospital ${siteId.slice(0, 6)}`, kind: 'hospital', dicomwebUrl: o.dicomwebUrl ?? null });
  const sessionId = randomUUID();
  const now = new Date();
  await api.db.insert(liveSessions).values({
    id: sessionId,
    title: 'eFAST',
    procedure: 'eFAST',
    specialty: 'Emergency',
    scheduledAt: now,
    status: 'live',
    kind: 'ultrasound',
    siteId,
    createdBy: user.id,
  });
  const protocol = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!;
  const exam: ExamFixture = { examId: randomUUID(), sessionId, siteId, studyUid: dicomUid(), seriesUid: dicomUid() };
  await api.db.insert(exams).values({
    id: exam.examId,
    sessionId,
    protocolKey: protocol.key,
    protocolVersion: protocol.version,
    siteId,
    sonographerId: user.id,
    patient: o.patient === undefined ? { name: 'Wang^Wei', id: 'MRN-0042', birthDate: '1980-02-03', sex: 'M', accessionNumber: 'ACC-7' } : o.patient,
    studyUid: exam.studyUid,
    seriesUid: exam.seriesUid,
    startedBy: user.id,
    startedAt: now,
  });
  return { ...exam, userId: user.id, protocol };
}

/** A still of `viewKey`, accepted and queued for the PACS now, its PNG in the media folder. */
export async function acceptedStill(api: TestApi, exam: Awaited<ReturnType<typeof examAt>>, viewKey: string, png: Buffer, capturedAt = new Date()) {
  const id = randomUUID();
  const file = join(api.config.mediaDir, stillFile(id));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, png);
  const { width, height } = PNG.sync.read(png);
  const sopInstanceUid = dicomUid();
  await api.db.insert(stills).values({
    id,
    sessionId: exam.sessionId,
    examId: exam.examId,
    viewKey,
    kind: 'capture',
    sha256: createHash('sha256').update(png).digest('hex'),
    width,
    height,
    bytes: png.length,
    capturedBy: exam.userId,
    capturedAt,
    verdict: 'accepted',
    score: 4,
    verdictBy: exam.userId,
    verdictAt: capturedAt,
    sopInstanceUid,
    pacsState: 'queued',
    pacsNextAt: capturedAt,
  });
  return { id, sopInstanceUid };
}
