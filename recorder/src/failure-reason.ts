import { EncoderStopped } from './media/segmented-video.ts';

/** Why writing a recording failed, in words for whoever opens the failed case. */
export function failureReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // ffmpeg's own words say whether it stopped because it could not write.
  const detail = err instanceof EncoderStopped ? err.detail : '';
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOSPC' || /no space left on device/i.test(`${text}\n${detail}`)
    ? 'Recording stopped: the disk that holds recordings is full (no space left on device).'
    : `Recording stopped: ${text}.`;
}
