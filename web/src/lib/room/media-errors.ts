import type { MessageKey } from '$lib/i18n/en.ts';

/** What to tell a person when a camera, capture card, screen share or microphone fails. */
export function mediaErrorKey(err: unknown): { key: MessageKey; message: string } {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'NotAllowedError' || name === 'SecurityError') return { key: 'media.denied', message };
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return { key: 'media.notFound', message };
  if (name === 'NotReadableError' || name === 'AbortError') return { key: 'media.inUse', message };
  return { key: 'media.failed', message };
}

/** Microphone processing for a room with monitors beeping and suction running. */
export const MIC_OPTIONS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true } as const;
