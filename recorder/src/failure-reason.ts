import { EncoderStopped } from './media/segmented-video.ts';

/**
 * Why writing a recording failed, in words for everyone in the room and whoever opens the failed
 * case. Only known causes are named: any other error's message (paths on the server, system
 * codes) goes to the recorder's log, not to every screen in the session.
 */
export function failureReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // ffmpeg's own words say whether it stopped because it could not write.
  const detail = err instanceof EncoderStopped ? err.detail : '';
  if ((err as NodeJS.ErrnoException | null)?.code === 'ENOSPC' || /no space left on device/i.test(`${text}\n${detail}`)) {
    return 'Recording stopped: the disk that holds recordings is full (no space left on device).';
  }
  if (err instanceof EncoderStopped) return `Recording stopped: ${err.message}.`;
  return 'Recording stopped: the recorder could not write it (its log says why).';
}
