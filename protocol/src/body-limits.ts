/**
 * How large a request body the api takes, by path: the api enforces it, and the web's /api
 * proxy refuses a larger body before sending it on. Paths are the api's own (no /api prefix).
 */
import { MAX_STILL_BYTES } from './exams.ts';
import { MAX_REFERENCE_IMAGE_BYTES } from './scan-protocols.ts';

/** Every body but an image's: JSON forms and ops. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A still upload (protocol/src/exams.ts): a full-resolution PNG, of an exam's view or of a mentor's freeze frame. */
const STILL_UPLOAD = /^\/(exams\/[^/]+\/stills|sessions\/[^/]+\/freeze-stills)$/;

/** Whether `path` takes a still's PNG (every other body is JSON). */
export const isStillUpload = (path: string) => STILL_UPLOAD.test(path);

/** A scan protocol view's reference image (protocol/src/scan-protocols.ts): a PNG or JPEG. */
export const isReferenceImageUpload = (path: string) => path === '/protocols/images';

/** The largest body the api takes at `path`; the web server's own limit is the largest of these. */
export function maxBodyBytes(path: string): number {
  if (isStillUpload(path)) return MAX_STILL_BYTES;
  return isReferenceImageUpload(path) ? MAX_REFERENCE_IMAGE_BYTES : MAX_BODY_BYTES;
}

export const LARGEST_BODY_BYTES = MAX_STILL_BYTES;
