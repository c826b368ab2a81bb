/**
 * A frozen frame kept as one of the session's stills: the mentor's page sends it as a lossless
 * PNG with its SHA-256; the api places it on the recording and the case's gallery shows it.
 * Archiving must never get in the way of the freeze itself: a failure is said in the console only.
 */
import { sha256Base64 } from '$lib/exam/digest.ts';

export async function archiveFreezeFrame(sessionId: string, frame: HTMLCanvasElement): Promise<void> {
  try {
    const png = await new Promise<Blob | null>((resolve) => frame.toBlob(resolve, 'image/png'));
    if (!png) throw new Error('the frame could not be encoded');
    const res = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/freeze-stills`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'content-digest': `sha-256=:${await sha256Base64(png)}:` },
      body: png,
    });
    if (!res.ok) throw new Error(`the api answered ${res.status}`);
  } catch (err) {
    console.warn('The frozen frame was not archived:', err);
  }
}
