import { describe, expect, it } from 'vitest';
import { failureReason } from './failure-reason.ts';
import { EncoderStopped } from './media/segmented-video.ts';

describe('failureReason', () => {
  it('names a full disk, however it showed', () => {
    const full = 'Recording stopped: the disk that holds recordings is full (no space left on device).';
    expect(failureReason(Object.assign(new Error('ENOSPC: write'), { code: 'ENOSPC' }))).toBe(full);
    expect(failureReason(new EncoderStopped('the video encoder (ffmpeg) exited with 1', 'seg_00004.mp4: No space left on device'))).toBe(full);
  });

  it('says the encoder stopped, in its own plain words', () => {
    expect(failureReason(new EncoderStopped('the video encoder (ffmpeg) was stopped by SIGKILL', ''))).toBe(
      'Recording stopped: the video encoder (ffmpeg) was stopped by SIGKILL.',
    );
  });

  it('keeps server paths and system codes of anything else off the screens', () => {
    const reason = failureReason(Object.assign(new Error("EACCES: permission denied, open '/var/lib/loupe/media/recordings/x/audio.pcm'"), { code: 'EACCES' }));
    expect(reason).toBe('Recording stopped: the recorder could not write it (its log says why).');
    expect(reason).not.toMatch(/var|EACCES/);
  });
});
