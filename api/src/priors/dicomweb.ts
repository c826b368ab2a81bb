/**
 * Reading prior imaging from a site's PACS over DICOMweb (PS3.18): QIDO-RS to find a patient's
 * studies, series and instances, WADO-RS `/rendered` for an image the browser can show. The
 * browser never talks to the PACS: the api asks, with its own timeout, at the base URL an
 * administrator set for the site; only DICOM UIDs (digits and dots) and fixed parameters go into
 * the URL, so a caller cannot steer the request anywhere else.
 */
import { DicomUid, WINDOW_PRESETS, type PriorInstances, type PriorSeries, type PriorStudy, type WindowPreset } from '@loupe/protocol';
import { ApiError } from '../http/errors.ts';
import { pacsUrl } from '../pacs/stow.ts';
import { PacsAddressError, fetchPacs, type Resolve } from '../pacs/pacs-fetch.ts';
import type { Response } from 'undici';

/** A DICOM JSON dataset (PS3.18 F.2), as far as it is read. */
type DicomJson = Record<string, { vr: string; Value?: unknown[] } | undefined>;

const TAG = {
  studyDate: '00080020',
  modalitiesInStudy: '00080061',
  modality: '00080060',
  studyDescription: '00081030',
  seriesDescription: '0008103E',
  studyUid: '0020000D',
  seriesUid: '0020000E',
  seriesNumber: '00200011',
  instanceNumber: '00200013',
  sopUid: '00080018',
  studySeriesCount: '00201206',
  studyInstanceCount: '00201208',
  seriesInstanceCount: '00201209',
} as const;

/** The PACS of one site, as the api asks it (`resolve`: its host name's addresses, the system's by default). */
export type Pacs = { base: string; timeoutMs: number; signal?: AbortSignal; resolve?: Resolve };

/** A PACS request that failed, as the viewer says it: 504 not answering in time, 502 unreachable or in error. */
function unavailable(status: 502 | 504, detail: string) {
  return new ApiError(status, 'unavailable', `The PACS is not available: ${detail}. The session is not affected; try again later.`);
}

type Answer = { status: number; contentType: string; body: Uint8Array<ArrayBuffer> };

/** GET `<base><path>` with the timeout over the whole exchange, body included; the answer, or an ApiError a person can read. */
async function ask(pacs: Pacs, path: string, accept: string): Promise<Answer> {
  const { url, authorization } = pacsUrl(pacs.base, path);
  const timeout = AbortSignal.timeout(pacs.timeoutMs);
  let res: Response;
  let body: Uint8Array<ArrayBuffer>;
  try {
    res = await fetchPacs(
      url,
      { headers: { accept, ...(authorization ? { authorization } : {}) }, signal: pacs.signal ? AbortSignal.any([pacs.signal, timeout]) : timeout },
      pacs.resolve,
    );
    body = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    if (err instanceof PacsAddressError) throw unavailable(502, err.message);
    if (timeout.aborted) throw unavailable(504, `no answer within ${pacs.timeoutMs / 1000} s`);
    const cause = (err as Error & { cause?: { code?: string } }).cause;
    throw unavailable(502, `it cannot be reached (${cause?.code ?? (err as Error).message})`);
  }
  if (!res.ok) throw unavailable(502, `it answered ${res.status} ${res.statusText}`.trim());
  return { status: res.status, contentType: res.headers.get('content-type')?.split(';')[0]?.trim() ?? '', body };
}

async function askJson(pacs: Pacs, path: string): Promise<DicomJson[]> {
  const { body } = await ask(pacs, path, 'application/dicom+json');
  // No matches: Orthanc answers 200 [], others 204 with no body (PS3.18 8.3.4.1).
  const text = new TextDecoder().decode(body);
  if (!text.trim()) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed as DicomJson[];
  } catch {
    // Answered below.
  }
  throw unavailable(502, 'its answer was not DICOM JSON');
}

/** The patient's studies, newest first. */
export async function findStudies(pacs: Pacs, patientId: string): Promise<PriorStudy[]> {
  // One includefield per attribute: Orthanc does not split a comma-separated list.
  const query = new URLSearchParams([
    ['PatientID', patientId],
    ...[TAG.studyDescription, TAG.studySeriesCount, TAG.studyInstanceCount].map((t): [string, string] => ['includefield', t]),
  ]);
  const found = await askJson(pacs, `/studies?${query}`);
  const studies = found.flatMap((d) => {
    const studyUid = uid(d, TAG.studyUid);
    return studyUid
      ? [
          {
            studyUid,
            date: dicomDate(text(d, TAG.studyDate)),
            description: text(d, TAG.studyDescription),
            modalities: (d[TAG.modalitiesInStudy]?.Value ?? []).map(String),
            seriesCount: int(d, TAG.studySeriesCount),
            imageCount: int(d, TAG.studyInstanceCount),
          },
        ]
      : [];
  });
  return studies.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
}

/** Whether the study belongs to the patient: the check before any of its series or images is served. */
export async function studyOfPatient(pacs: Pacs, patientId: string, studyUid: string): Promise<boolean> {
  const query = new URLSearchParams({ PatientID: patientId, StudyInstanceUID: studyUid });
  const found = await askJson(pacs, `/studies?${query}`);
  return found.some((d) => uid(d, TAG.studyUid) === studyUid);
}

export async function findSeries(pacs: Pacs, studyUid: string): Promise<PriorSeries[]> {
  const query = new URLSearchParams([TAG.seriesDescription, TAG.seriesInstanceCount].map((t): [string, string] => ['includefield', t]));
  const found = await askJson(pacs, `/studies/${studyUid}/series?${query}`);
  const series = found.flatMap((d) => {
    const seriesUid = uid(d, TAG.seriesUid);
    return seriesUid
      ? [
          {
            seriesUid,
            number: int(d, TAG.seriesNumber),
            modality: text(d, TAG.modality),
            description: text(d, TAG.seriesDescription),
            imageCount: int(d, TAG.seriesInstanceCount),
          },
        ]
      : [];
  });
  return series.sort((a, b) => (a.number ?? Infinity) - (b.number ?? Infinity));
}

/** The series' images in slice order. */
export async function findInstances(pacs: Pacs, studyUid: string, seriesUid: string): Promise<PriorInstances['instances']> {
  const found = await askJson(pacs, `/studies/${studyUid}/series/${seriesUid}/instances`);
  const instances = found.flatMap((d) => {
    const sopUid = uid(d, TAG.sopUid);
    return sopUid ? [{ sopUid, number: int(d, TAG.instanceNumber) }] : [];
  });
  return instances.sort((a, b) => (a.number ?? Infinity) - (b.number ?? Infinity));
}

/**
 * One image rendered by the PACS as PNG (lossless: what the viewer shows is what the PACS has),
 * in the preset's window (PS3.18 8.3.5.1.3 `window=center,width,linear`).
 */
export async function renderInstance(pacs: Pacs, ids: { studyUid: string; seriesUid: string; sopUid: string }, preset: WindowPreset) {
  const window = WINDOW_PRESETS[preset];
  const query = window ? `?window=${window.center},${window.width},linear` : '';
  const answer = await ask(pacs, `/studies/${ids.studyUid}/series/${ids.seriesUid}/instances/${ids.sopUid}/rendered${query}`, 'image/png');
  if (answer.contentType !== 'image/png') throw unavailable(502, 'it did not render the image as PNG');
  return answer.body;
}

const text = (d: DicomJson, tag: string) => {
  const value = d[tag]?.Value?.[0];
  return typeof value === 'string' ? value.trim() : '';
};
const int = (d: DicomJson, tag: string) => {
  const value = Number(d[tag]?.Value?.[0]);
  return Number.isInteger(value) ? value : null;
};
/** A UID from the PACS, if it is one: it goes back into URLs. */
const uid = (d: DicomJson, tag: string) => {
  const value = text(d, tag);
  return DicomUid.safeParse(value).success ? value : null;
};
const dicomDate = (da: string) => (/^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : null);
