/**
 * DICOMweb STOW-RS (PS3.18 10.5): one instance POSTed to `<base>/studies` as
 * `multipart/related; type="application/dicom"`, and the PACS's answer read from its Store
 * Instances Response (Referenced SOP Sequence, Failed SOP Sequence with a Failure Reason).
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'undici';
import { PacsAddressError, fetchPacs, type Resolve } from './pacs-fetch.ts';

/** How long one store may take: a 4K still is ~25 MB over a hospital's link. */
export const STORE_TIMEOUT_MS = 120_000;

/**
 * Why a store did not happen. `permanent`: the PACS understood the request and refused this
 * instance (it would refuse it again); otherwise the PACS could not be reached, was busy, or its
 * address or access is wrong, all of which someone can fix without touching the still.
 */
export class StoreError extends Error {
  readonly permanent: boolean;
  constructor(message: string, { permanent }: { permanent: boolean }) {
    super(message);
    this.permanent = permanent;
  }
}

/** A DICOM JSON dataset (PS3.18 F.2), as far as the answer is read. */
type DicomJson = Record<string, { vr: string; Value?: unknown[] } | undefined>;

const REFERENCED_SOP_SEQUENCE = '00081199';
const FAILED_SOP_SEQUENCE = '00081198';
const REFERENCED_SOP_INSTANCE_UID = '00081155';
const FAILURE_REASON = '00081197';

/** Failure reasons of PS3.4 Table GG.4-1 and PS3.18 Table I.2-1, in words for the queue's page. */
const FAILURES: Record<number, string> = {
  0x0110: 'processing failure',
  0x0111: 'duplicate SOP instance',
  0x0117: 'invalid SOP instance',
  0x0122: 'SOP class not supported',
  0x0124: 'not authorised',
  0xa700: 'out of resources',
  0xa900: 'data set does not match SOP class',
  0xb000: 'coercion of data elements',
  0xc000: 'cannot understand',
  0xc122: 'referenced transfer syntax not supported',
};

function failureText(code: number): string {
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const known = FAILURES[code] ?? ((code & 0xff00) === 0xa700 ? 'out of resources' : undefined);
  return known ? `${known} (${hex})` : `failure ${hex}`;
}

/**
 * Stores one Part 10 instance. Resolves when the PACS lists it as stored (or as a duplicate of
 * one it holds: an earlier attempt whose answer was lost); throws StoreError otherwise.
 */
export async function storeInstance(
  dicomwebBase: string,
  sopInstanceUid: string,
  file: Uint8Array,
  { signal, resolve }: { signal?: AbortSignal; resolve?: Resolve } = {},
): Promise<void> {
  const { url, authorization } = pacsUrl(dicomwebBase, '/studies');
  const boundary = `loupe-${randomUUID()}`;
  const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  let res: Response;
  try {
    res = await fetchPacs(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
          accept: 'application/dicom+json',
          ...(authorization ? { authorization } : {}),
        },
        body,
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(STORE_TIMEOUT_MS)]) : AbortSignal.timeout(STORE_TIMEOUT_MS),
      },
      resolve,
    );
  } catch (err) {
    if (err instanceof PacsAddressError) throw new StoreError(`PACS not reached at ${url}: ${err.message}`, { permanent: false });
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    throw new StoreError(`PACS not reachable at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { permanent: false });
  }
  const text = await res.text();
  const answer = parseAnswer(text);
  const failed = answer && findInstance(answer[FAILED_SOP_SEQUENCE], sopInstanceUid);
  if (failed) {
    const code = Number(failed[FAILURE_REASON]?.Value?.[0]);
    if (code === 0x0111) return;
    const transient = (code & 0xff00) === 0xa700;
    throw new StoreError(`PACS refused the image: ${Number.isFinite(code) ? failureText(code) : 'no reason given'}`, { permanent: !transient });
  }
  if (res.ok && answer && findInstance(answer[REFERENCED_SOP_SEQUENCE], sopInstanceUid)) return;
  throw new StoreError(httpFailure(res, text, answer !== null), { permanent: refusesInstance(res.status) });
}

/**
 * `<base><path>` of a DICOMweb server, without credentials (it is shown in messages). A user and
 * password in the base URL (LOUPE_DICOMWEB_URL, from the environment) become HTTP Basic
 * authentication: fetch refuses a URL that carries them.
 */
export function pacsUrl(base: string, path: string): { url: string; authorization: string | null } {
  const parsed = new URL(`${base.replace(/\/+$/, '')}${path}`);
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  const authorization = user || password ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : null;
  return { url: parsed.href, authorization };
}

/**
 * Statuses that refuse this request (bad data, too large, unsupported type). Not: 401, 403 and
 * 404 (the site's address or access is wrong: fixed once for all its stills), 408 and 429 (busy),
 * 5xx (the PACS's own trouble).
 */
function refusesInstance(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 404, 408, 429].includes(status);
}

function httpFailure(res: Response, text: string, readable: boolean): string {
  if (res.ok) return `PACS answered ${res.status} without listing the image as stored`;
  const detail = readable ? '' : text.trim().replace(/\s+/g, ' ').slice(0, 200);
  return `PACS answered ${res.status} ${res.statusText}${detail ? `: ${detail}` : ''}`;
}

function parseAnswer(text: string): DicomJson | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as DicomJson) : null;
  } catch {
    return null;
  }
}

function findInstance(sequence: DicomJson[string], sopInstanceUid: string): DicomJson | undefined {
  const items = (sequence?.Value ?? []) as DicomJson[];
  return items.find((item) => item?.[REFERENCED_SOP_INSTANCE_UID]?.Value?.[0] === sopInstanceUid);
}
