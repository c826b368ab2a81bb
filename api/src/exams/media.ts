import type { MediaStore } from '@loupe/media-store';
import { STILL_TYPE, stillFile } from '@loupe/protocol';
import { ApiError } from '../http/errors.ts';

/** A still's PNG, after the access check; its name is built from its id, never from input. */
export async function serveStill(media: MediaStore, stillId: string): Promise<Response> {
  const bytes = await media.read(stillFile(stillId));
  if (!bytes) throw new ApiError(404, 'not_found', 'This still has no image');
  return new Response(new Uint8Array(bytes), {
    status: 200,
    headers: {
      'content-type': STILL_TYPE,
      'content-length': String(bytes.length),
      // A still never changes: the browser may keep it, shared caches may not (patient images).
      'cache-control': 'private, max-age=86400, immutable',
    },
  });
}
