/**
 * Case media from the media store, with HTTP range requests (browsers seek video with them).
 * Only ever called after the access check; names are built from ids, never from input. With a
 * bucket the bytes come through the api too, not from a presigned URL: the same access check and
 * audit entry for every range a player asks for, and the bucket need not be reachable from
 * browsers (docs/media-store.md).
 */
import { Readable } from 'node:stream';
import type { MediaStore } from '@loupe/media-store';
import { caseMediaType, type CaseMediaFile } from '@loupe/protocol';
import { ApiError, errorBody } from '../http/errors.ts';

export async function serveFile(media: MediaStore, name: string, file: CaseMediaFile, range: string | undefined): Promise<Response> {
  const found = await media.open(name);
  if (!found) throw new ApiError(404, 'not_found', 'This case has no such media yet');
  const headers = new Headers({
    'content-type': caseMediaType(file),
    'accept-ranges': 'bytes',
    // Patient-adjacent media: private to this browser, never kept by shared caches.
    'cache-control': 'private, max-age=0, must-revalidate',
  });
  const { size } = found;
  const match = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  if (range && !match) return rangeNotSatisfiable(size);
  if (match) {
    let start = match[1] ? Number(match[1]) : size - Number(match[2]);
    let end = match[1] && match[2] ? Number(match[2]) : size - 1;
    if (!match[1] && !match[2]) return rangeNotSatisfiable(size);
    start = Math.max(0, start);
    end = Math.min(end, size - 1);
    if (start > end || start >= size) return rangeNotSatisfiable(size);
    headers.set('content-range', `bytes ${start}-${end}/${size}`);
    headers.set('content-length', String(end - start + 1));
    return new Response(Readable.toWeb(await found.stream({ start, end })) as ReadableStream, { status: 206, headers });
  }
  headers.set('content-length', String(size));
  return new Response(Readable.toWeb(await found.stream()) as ReadableStream, { status: 200, headers });
}

function rangeNotSatisfiable(size: number): Response {
  return Response.json(errorBody('invalid_request', 'The requested range is not in the file'), {
    status: 416,
    headers: { 'content-range': `bytes */${size}` },
  });
}
