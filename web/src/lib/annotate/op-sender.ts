/**
 * Turns the mentor's drawing into ops and sends them: reliable ops on the ops topic, the laser
 * pointer on the lossy one. Stroke points are batched once per animation frame (never on a
 * slower timer) and split so that no packet comes near LiveKit's 15 KiB limit.
 */
import type { Room } from 'livekit-client';
import {
  ANNOTATION_VERSION,
  MAX_POINTS_PER_OP,
  MAX_STROKE_POINTS,
  TOPICS,
  type AnnotationOp,
  type FrameRef,
  type Point,
  type Style,
  type Target,
} from '@loupe/protocol';

type Draft = AnnotationOp extends infer O ? (O extends AnnotationOp ? Omit<O, 'v' | 'author' | 'seq' | 't' | 'frame' | 'still' | 'source'> : never) : never;

/** How many annotations' send times are kept for the delay readout. */
const SENT_AT_KEPT = 64;

/** Ops that create an annotation: they say which picture it was drawn on. */
const CREATING: readonly AnnotationOp['kind'][] = ['stroke.begin', 'shape', 'text'];
/** Ops that say which of theatre's sources (pictures) they are on; a clear clears that one only. */
const ON_SOURCE: readonly AnnotationOp['kind'][] = [...CREATING, 'laser', 'freeze', 'clear'];

export type SenderDeps = {
  room: Room;
  author: string;
  now(): number;
  /** The frame the author is looking at now. */
  frame(): FrameRef | null;
  /** The freeze-frame the author is drawing on now (its id), or null on the live picture. */
  still(): string | null;
  /** The source (theatre's picture, by id) the author is drawing on now, or null when there is none yet. */
  source(): string | null;
  /** Applies our own op to our own overlay, before it goes out. */
  applyOwn(op: AnnotationOp): void;
};

export function newAnnotationId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0'))
    .join('')
    .slice(0, 16);
}

export class OpSender {
  private readonly deps: SenderDeps;
  // Starting from the clock keeps sequence numbers increasing across page reloads.
  private seq: number;
  private stroke: { id: string; sent: number; pending: Point[]; style: Style; fade: boolean; begun: boolean } | null = null;
  private laserPoints: Point[] = [];
  private raf = 0;
  /** Ops handed to LiveKit, and ops LiveKit refused to send. */
  sent = 0;
  failed = 0;
  /** When each of the latest annotations went out (performance.now()), for the delay readout. */
  readonly sentAt = new Map<string, number>();

  constructor(deps: SenderDeps) {
    this.deps = deps;
    this.seq = Math.floor(deps.now());
  }

  beginStroke(first: Point, style: Style, fade: boolean): string {
    this.finishStroke();
    const id = newAnnotationId();
    this.stroke = { id, sent: 0, pending: [first], style, fade, begun: false };
    // The first point goes at once (theatre sees the pen touch down a frame sooner); the points
    // that follow are batched once per animation frame.
    this.flushStroke(this.stroke);
    return id;
  }

  /** Points from one pointer event, coalesced samples included. */
  addPoints(points: Point[]): void {
    if (!this.stroke) return;
    const room = MAX_STROKE_POINTS - this.stroke.sent - this.stroke.pending.length;
    if (room > 0) this.stroke.pending.push(...points.slice(0, room));
    this.schedule();
  }

  endStroke(): void {
    this.finishStroke();
  }

  laser(points: Point[]): void {
    this.laserPoints.push(...points);
    this.schedule();
  }

  send(draft: Draft): void {
    this.finishStroke();
    this.emit(draft);
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
  }

  erase(target: Target): void {
    this.send({ kind: 'erase', id: newAnnotationId(), target });
  }

  restore(target: Target): void {
    this.send({ kind: 'restore', id: newAnnotationId(), target });
  }

  private schedule(): void {
    if (!this.raf) this.raf = requestAnimationFrame(() => this.flush());
  }

  /** Once per animation frame: everything drawn since the last frame goes out. */
  flush(): void {
    this.raf = 0;
    const s = this.stroke;
    if (s && s.pending.length > 0) this.flushStroke(s);
    if (this.laserPoints.length > 0) {
      const points = this.laserPoints.splice(0).slice(-MAX_POINTS_PER_OP);
      this.emit({ kind: 'laser', id: 'laser', points }, false);
    }
  }

  private flushStroke(s: NonNullable<OpSender['stroke']>): void {
    while (s.pending.length > 0 || !s.begun) {
      const points = s.pending.splice(0, MAX_POINTS_PER_OP);
      if (!s.begun) {
        this.emit({ kind: 'stroke.begin', id: s.id, style: s.style, fade: s.fade, points });
        s.begun = true;
      } else {
        this.emit({ kind: 'stroke.points', id: s.id, from: s.sent, points });
      }
      s.sent += points.length;
    }
  }

  private finishStroke(): void {
    const s = this.stroke;
    if (!s) return;
    this.flushStroke(s);
    this.emit({ kind: 'stroke.end', id: s.id, count: s.sent });
    this.stroke = null;
  }

  /** A titled bookmark: a chapter of the recorded case. */
  bookmark(title: string): void {
    this.send({ kind: 'bookmark', id: newAnnotationId(), title });
  }

  private emit(draft: Draft, reliable = true): void {
    const still = CREATING.includes(draft.kind) ? this.deps.still() : null;
    const source = ON_SOURCE.includes(draft.kind) ? this.deps.source() : null;
    const op = {
      ...draft,
      ...(still ? { still } : {}),
      ...(source ? { source } : {}),
      v: ANNOTATION_VERSION,
      author: this.deps.author,
      seq: this.seq++,
      t: Math.round(this.deps.now()),
      frame: this.deps.frame(),
    } as AnnotationOp;
    this.deps.applyOwn(op);
    if (CREATING.includes(op.kind)) {
      this.sentAt.set(op.id, performance.now());
      if (this.sentAt.size > SENT_AT_KEPT) this.sentAt.delete(this.sentAt.keys().next().value!);
    }
    const bytes = new TextEncoder().encode(JSON.stringify(op));
    this.sent++;
    void this.deps.room.localParticipant.publishData(bytes, { reliable, topic: reliable ? TOPICS.ops : TOPICS.laser }).catch((err: unknown) => {
      this.failed++;
      console.warn('annotation op not sent', op.kind, err);
    });
  }
}
