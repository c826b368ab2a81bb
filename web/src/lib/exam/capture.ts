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

/**
 * The frame on the scan room's screen, from the local video element (the camera's own frames,
 * before WebRTC); where it has none yet, the camera's next frame through ImageCapture. The frame
 * shown is the one the pedal meant, and there is no wait for the next one (ImageCapture waits
 * for it: at 30 fps up to 33 ms, far more on a busy page; bench `still_capture`).
 */
async function grabFrame(track: MediaStreamTrack | null, video: HTMLVideoElement | null): Promise<ImageBitmap> {
  if (video && video.videoWidth > 0) return createImageBitmap(video);
  if (track && track.readyState === 'live' && 'ImageCapture' in globalThis) return new ImageCapture(track).grabFrame();
  throw new Error('There is no picture to capture yet');
}

let encoder: Worker | null = null;

export async function captureStill(track: MediaStreamTrack | null, video: HTMLVideoElement | null): Promise<CapturedStill> {
  const frame = await grabFrame(track, video);
  // One worker for the page, started at the first capture; captures come one at a time (the page waits for each).
  encoder ??= new Worker(new URL('./still-encoder.worker.ts', import.meta.url), { type: 'module' });
  const worker = encoder;
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<{ still: CapturedStill } | { error: string }>) =>
      'still' in event.data ? resolve(event.data.still) : reject(new Error(event.data.error));
    worker.onerror = (event) => reject(new Error(event.message || 'The still could not be encoded'));
    worker.postMessage(frame, [frame]);
  });
}
