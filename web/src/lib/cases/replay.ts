/**
 * A case's mentor overlay replayed against the video's clock: at any time t, exactly the ops
 * logged at or before t, applied in order. Forward play applies new ops; a seek backwards
 * rebuilds from the start, so the overlay is right immediately after any seek.
 */
import {
  FADE_MS,
  FADE_OUT_MS,
  LASER_TRAIL_MS,
  OverlayState,
  annotationKey,
  type Annotation,
  type AnnotationOp,
  type Point,
  type TrackEvent,
} from '@loupe/protocol';
export type ReplayLaser = { author: string; points: { p: Point; ageMs: number }[] };

export class OverlayReplay {
  private readonly ops: { at: number; op: AnnotationOp }[];
  private state = new OverlayState();
  private next = 0;
  private now = 0;
  private readonly finishedAt = new Map<string, number>();

  constructor(events: TrackEvent[]) {
    this.ops = events.flatMap((e) => (e.type === 'op' && e.op ? [{ at: e.mediaMs, op: e.op }] : [])).sort((a, b) => a.at - b.at);
  }

  /** Moves to `ms` on the case's timeline. */
  seek(ms: number): void {
    if (ms < this.now) {
      this.state = new OverlayState();
      this.finishedAt.clear();
      this.next = 0;
    }
    this.now = ms;
    while (this.next < this.ops.length && this.ops[this.next]!.at <= ms) {
      const { at, op } = this.ops[this.next++]!;
      this.state.apply(op);
      if (op.kind === 'stroke.end' || op.kind === 'shape' || op.kind === 'text') this.finishedAt.set(annotationKey(op), at);
    }
  }

  visible(): Annotation[] {
    return this.state.visible().filter((a) => !a.fade || (this.finishedAt.get(a.key) ?? Infinity) + FADE_MS > this.now);
  }

  opacity(a: Annotation): number {
    const done = this.finishedAt.get(a.key);
    if (!a.fade || done === undefined) return 1;
    return Math.max(0, Math.min(1, (done + FADE_MS - this.now) / FADE_OUT_MS));
  }

  /** Laser trails of the last moments before now. */
  lasers(): ReplayLaser[] {
    const out = new Map<string, ReplayLaser>();
    for (let i = this.next - 1; i >= 0 && this.ops[i]!.at > this.now - LASER_TRAIL_MS; i--) {
      const { at, op } = this.ops[i]!;
      if (op.kind !== 'laser') continue;
      const trail = out.get(op.author) ?? { author: op.author, points: [] };
      trail.points.unshift(...op.points.map((p) => ({ p, ageMs: this.now - at })));
      out.set(op.author, trail);
    }
    return [...out.values()];
  }
}
