/**
 * A case's other pictures (issue 16) play in step with `case.mp4`, whose time is the case's
 * clock: each follower video is told, at every frame of the main one, where to be and how fast.
 * Plain TypeScript so that the rule runs in unit tests without a browser.
 */

/** Half a frame at 30 fps: closer than this, a follower shows the main picture's frame. */
export const HALF_FRAME_S = 1 / 60;
/** Further off than this while playing, a follower jumps; closer, it is nudged by its rate (a jump stalls it). */
const JUMP_S = 0.25;
/** How much faster or slower a follower plays while it catches up. */
const NUDGE = 0.05;

export type Leader = { time: number; playing: boolean; rate: number };
export type Follower = { time: number; duration: number; startS: number };
/**
 * `seekTo`: where to jump (null: stay); `rate` to play at; `play`: whether it should be playing;
 * `shown`: false before the source came and after it ended (its tile says so).
 */
export type FollowStep = { seekTo: number | null; rate: number; play: boolean; shown: boolean };

/** What follower `f`, which starts `f.startS` into the case, does to show the leader's moment. */
export function followStep(leader: Leader, f: Follower): FollowStep {
  const target = leader.time - f.startS;
  const end = Number.isFinite(f.duration) && f.duration > 0 ? f.duration : Infinity;
  if (target < 0 || target > end) {
    const edge = target < 0 ? 0 : end;
    return { seekTo: Math.abs(f.time - edge) > HALF_FRAME_S ? edge : null, rate: leader.rate, play: false, shown: false };
  }
  const drift = f.time - target;
  if (!leader.playing) return { seekTo: Math.abs(drift) > HALF_FRAME_S ? target : null, rate: leader.rate, play: false, shown: true };
  if (Math.abs(drift) > JUMP_S) return { seekTo: target, rate: leader.rate, play: true, shown: true };
  const rate = Math.abs(drift) > HALF_FRAME_S ? leader.rate * (drift > 0 ? 1 - NUDGE : 1 + NUDGE) : leader.rate;
  return { seekTo: null, rate, play: true, shown: true };
}
