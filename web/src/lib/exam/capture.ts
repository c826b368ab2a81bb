/**
 * A still of the scan room's own picture: the original pixels of the local source at full
 * resolution, taken before WebRTC encodes them, as PNG (lossless), with its SHA-256 so that the
 * api can tell it arrived unchanged.
 */
export type CapturedStill = { png: Blob; sha256: string; width: number; height: number };

declare class ImageCapture {
  constructor(track: MediaStreamTrack);
  grabFrame(): Promise<ImageBitmap>;
}

/** The current frame of the local camera or screen track, from ImageCapture where the browser has it, else from the local video element. */
async function grabFrame(track: MediaStreamTrack | null, video: HTMLVideoElement | null): Promise<ImageBitmap | HTMLVideoElement> {
  if (track && track.readyState === 'live' && 'ImageCapture' in globalThis) {
    try {
      return await new ImageCapture(track).grabFrame();
    } catch {
      // A track ImageCapture cannot read (some screen shares): the video element shows the same frames.
    }
  }
  if (video && video.videoWidth > 0) return video;
  throw new Error('There is no picture to capture yet');
}

export async function captureStill(track: MediaStreamTrack | null, video: HTMLVideoElement | null): Promise<CapturedStill> {
  const frame = await grabFrame(track, video);
  const width = frame instanceof HTMLVideoElement ? frame.videoWidth : frame.width;
  const height = frame instanceof HTMLVideoElement ? frame.videoHeight : frame.height;
  const canvas = new OffscreenCanvas(width, height);
  // No colour management, no smoothing: the pixels as the source gave them.
  const context = canvas.getContext('2d', { colorSpace: 'srgb', willReadFrequently: false })!;
  context.imageSmoothingEnabled = false;
  context.drawImage(frame, 0, 0, width, height);
  if (!(frame instanceof HTMLVideoElement)) frame.close();
  const png = await canvas.convertToBlob({ type: 'image/png' });
  return { png, sha256: await sha256Base64(png), width, height };
}

/** The SHA-256 of `blob`, base64, as Content-Digest carries it. */
export async function sha256Base64(blob: Blob): Promise<string> {
  return base64(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())));
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}
