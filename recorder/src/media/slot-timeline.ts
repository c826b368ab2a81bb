/**
 * The recording's timeline in slots: one slot is 1/30 s of the capture clock. Every slot gets a
 * frame, unless the encoder is too far behind to take one: then slots are skipped (logged as
 * `skip` events), the video holds its picture through them, and the case's timeline stays the
 * wall clock's. A 20 s recording is a 20 s case, its drawings and bookmarks at their moments.
 */
import type { LoggedEvent } from '../event-log.ts';
import { FPS } from './segmented-video.ts';

/** `slots` slots went by without a frame, just before frame `frame` (counted from the recording's start). */
export type Skip = { frame: number; slots: number };

/** The skips a recording's log holds, for frames up to `frames` (those a crash lost are not on the timeline). */
export function skipsIn(log: readonly LoggedEvent[], frames = Infinity): Skip[] {
  return log.flatMap((e) => (e.type === 'skip' && (e.frame as number) <= frames ? [{ frame: e.frame as number, slots: e.slots as number }] : []));
}

/** Where frame `frame` sits on the timeline, in slots. */
export function slotOf(frame: number, skips: readonly Skip[]): number {
  return frame + skips.reduce((n, s) => n + (s.frame <= frame ? s.slots : 0), 0);
}

/**
 * Each segment's length on the timeline, in seconds: its frames, and the slots skipped while it
 * was written (its last picture holds through them). A skip at a segment boundary belongs to the
 * segment before it, so that the next one starts where the clock says.
 */
export function segmentSeconds(frameCounts: readonly number[], skips: readonly Skip[]): number[] {
  let first = 0;
  return frameCounts.map((frames, i) => {
    const end = first + frames;
    const skipped = skips.reduce((n, s) => n + ((s.frame > first || (i === 0 && s.frame === 0)) && s.frame <= end ? s.slots : 0), 0);
    first = end;
    return (frames + skipped) / FPS;
  });
}
