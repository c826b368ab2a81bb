/** The tallest picture recorded: a 4K source is recorded at 1080p (the CPU budget is a core a stream). */
const MAX_RECORDED_HEIGHT = 1080;

/**
 * The size a recording is written at: the size theatre publishes at, not that of the first
 * picture to arrive. livekit-server starts a new subscriber on a lower simulcast layer while it
 * measures the link, so the first pictures are often 320×180 or 640×360; a recording sized by
 * them kept the whole case at that size, scaling the full picture down when it came.
 */
export function recordingSize(source: { width: number; height: number }): { width: number; height: number } {
  const scale = Math.min(1, MAX_RECORDED_HEIGHT / source.height);
  const even = (n: number) => Math.max(2, Math.round((n * scale) / 2) * 2);
  return { width: even(source.width), height: even(source.height) };
}
