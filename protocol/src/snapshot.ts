/**
 * What a snapshot may carry. A snapshot is state from a peer, not authority: livekit-server
 * stamps who sent it, never who wrote the ops inside. So every receiver (pages and the recorder)
 * takes from a holder's snapshot only:
 * - the holder's own ops, always;
 * - when it is the answer to this receiver's own request (solicited), also the ops of authors
 *   who are not in the room now (a mentor who left): someone present answers for their own;
 * - never a bookmark (a chapter of the permanent case comes live, or not at all), nor a laser;
 * - never an op dated ahead of the receiver's clock (it would rule over everything after it).
 * Theatre may hold the overlay for late joiners, but never writes an op of its own that is obeyed.
 */
import type { AnnotationOp } from './annotation.ts';
import { MAX_OP_CLOCK_SKEW_MS, roleOf } from './receive.ts';
import { DRAWING_ROLES, OVERLAY_HOLDER_ROLES, type SessionRole } from './roles.ts';

export type SnapshotSender = { identity: string; role: SessionRole };

/**
 * Whether a participant (by its server-set attributes) holds the overlay: it is asked for it,
 * and its snapshots are read. Theatre and mentors do; a display-only screen (the OR display
 * beside theatre's own page) never does, whatever its role.
 */
export function holdsOverlay(attributes: Record<string, string> | undefined): boolean {
  const role = roleOf(attributes);
  return !!role && OVERLAY_HOLDER_ROLES.includes(role) && attributes?.display !== 'true';
}

export type SnapshotContext = {
  sender: SnapshotSender;
  /** The snapshot answers this receiver's own pending request. */
  solicited: boolean;
  /** Identities in the room now (a present author answers for their own ops). */
  present: ReadonlySet<string>;
  /** The receiver's session clock, epoch ms. */
  now: number;
};

/** The ops of a snapshot this receiver may apply; the rest are dropped (and counted by the caller). */
export function snapshotOpsToApply(ops: readonly AnnotationOp[], c: SnapshotContext): AnnotationOp[] {
  const senderDraws = DRAWING_ROLES.includes(c.sender.role);
  return ops.filter((op) => {
    if (op.kind === 'bookmark' || op.kind === 'laser') return false;
    if (op.t > c.now + MAX_OP_CLOCK_SKEW_MS) return false;
    if (op.author === c.sender.identity) return senderDraws;
    return c.solicited && !c.present.has(op.author);
  });
}

/** How long after asking for the overlay its answers count as solicited. */
export const RESYNC_ANSWER_MS = 15_000;

/**
 * A receiver's own request for the overlay: each holder's first snapshot within
 * RESYNC_ANSWER_MS of asking answers it (is solicited); later ones, and repeats, do not.
 */
export class OverlayRequest {
  private until = -Infinity;
  private answered = new Set<string>();

  /** We ask now (`now` on any clock, the same one `answeredBy` is given). */
  ask(now: number): void {
    this.until = now + RESYNC_ANSWER_MS;
    this.answered = new Set();
  }

  /** Whether a snapshot from `holder` now is its answer to our request (once per holder). */
  answeredBy(holder: string, now: number): boolean {
    if (now > this.until || this.answered.has(holder)) return false;
    this.answered.add(holder);
    return true;
  }
}
/** A holder answers the same requester once within this time (a page asking in a loop). */
export const RESYNC_REPEAT_MS = 5_000;
