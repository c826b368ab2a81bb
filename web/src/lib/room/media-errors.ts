import { m } from '../paraglide/messages.js';

/** What to tell a person when a camera, capture card, screen share or microphone fails. */
export function mediaProblem(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return m.media_denied();
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return m.media_notFound();
  if (name === 'NotReadableError' || name === 'AbortError') return m.media_inUse();
  return m.media_failed({ message: err instanceof Error ? err.message : String(err) });
}

/** Microphone processing for a room with monitors beeping and suction running. */
export const MIC_OPTIONS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true } as const;
