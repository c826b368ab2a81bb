/**
 * Encodes a captured frame as PNG and hashes it, off the page's thread. Chromium encodes a
 * canvas's PNG in the page's idle time and waits up to a second for some: a live page (the
 * picture, the room) has little, so on the page a 1920×1080 still took ~1 s to encode where
 * the encoding itself takes ~10–30 ms. A worker is idle at once (bench `still_capture`).
 */
import type { CapturedStill } from './capture.ts';
import { sha256Base64 } from './digest.ts';

self.onmessage = async (event: MessageEvent<ImageBitmap>) => {
  const frame = event.data;
  try {
    const { width, height } = frame;
    const canvas = new OffscreenCanvas(width, height);
    // No colour management, no smoothing: the pixels as the source gave them.
    const context = canvas.getContext('2d', { colorSpace: 'srgb' })!;
    context.imageSmoothingEnabled = false;
    context.drawImage(frame, 0, 0, width, height);
    frame.close();
    const png = await canvas.convertToBlob({ type: 'image/png' });
    const still: CapturedStill = { png, sha256: await sha256Base64(png), width, height };
    self.postMessage({ still });
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
