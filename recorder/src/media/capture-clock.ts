/**
 * The wall clock a capture keeps, less the time it was held: a person's pause, or theatre's
 * picture away (nobody sending it). Frames are due on this clock, 30 a second, whatever the
 * encoder manages; what it cannot take is skipped, never squeezed (see SlotTimeline).
 */
import { FPS } from './segmented-video.ts';

/** Why capture is held: a person paused it, or theatre's picture is away. */
export type Hold = 'person' | 'picture';

export class CaptureClock {
  private readonly now: () => number;
  private startedAt: number | null = null;
  private heldSince: number | null = null;
  private heldTotal = 0;
  private readonly holds = new Set<Hold>();

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  /** The first frame of this capture: its clock starts now (time held before it does not count). */
  start(): void {
    this.startedAt = this.now();
    this.heldTotal = 0;
    if (this.heldSince !== null) this.heldSince = this.startedAt;
  }

  get started(): boolean {
    return this.startedAt !== null;
  }

  get held(): boolean {
    return this.holds.size > 0;
  }

  has(reason: Hold): boolean {
    return this.holds.has(reason);
  }

  /** Holds capture for `reason`; true when capture was running until now. */
  hold(reason: Hold): boolean {
    if (this.holds.has(reason)) return false;
    this.holds.add(reason);
    if (this.holds.size > 1) return false;
    this.heldSince = this.now();
    return true;
  }

  /** Lets go of `reason`; the time held, when capture runs again now, else null. */
  release(reason: Hold): number | null {
    if (!this.holds.delete(reason) || this.holds.size > 0) return null;
    const held = this.now() - (this.heldSince ?? this.now());
    this.heldTotal += held;
    this.heldSince = null;
    return held;
  }

  /** How long capture has been held now (0 while it runs). */
  heldFor(): number {
    return this.heldSince === null ? 0 : this.now() - this.heldSince;
  }

  /** Frames due since the capture started, `delay` frames behind the clock. */
  due(delay: number): number {
    if (this.startedAt === null) return 0;
    const running = this.now() - this.startedAt - this.heldTotal - this.heldFor();
    return Math.floor((running * FPS) / 1000) - delay;
  }
}
