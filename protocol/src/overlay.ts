/**
 * The live overlay as state built from annotation ops. Applying an op is idempotent and
 * tolerant of order: a duplicate, late or replayed op (or a whole snapshot applied on top)
 * leaves the same picture as applying each op once in order.
 *
 * - Annotations are keyed by author and id, so one author's ops never touch another's
 *   strokes; erase/restore may target anyone's annotation (last writer wins by time).
 * - Stroke points carry their index, so chunks land in place whatever their order.
 * - `clear` hides everything created up to its time; a late op from before a clear stays hidden.
 *   An erase aimed at the clear op itself (its author and id) takes the clear back (undo of
 *   "Clear all") and a restore puts it back (redo): last writer wins, as for an annotation.
 *   Receivers from before this rule keep such a clear in force; nothing else changes for them.
 */
import { ANNOTATION_VERSION, MAX_POINTS_PER_OP, MAX_STROKE_POINTS } from './annotation.ts';
import type { AnnotationOp, FrameRef, OverlaySnapshot, Point, PriorImage, Style, Target } from './annotation.ts';
import { MAIN_SOURCE_KEY, sharedSourceId } from './sources.ts';

type Stamp = { t: number; author: string; seq: number };

type Base = {
  key: string;
  author: string;
  id: string;
  /** Creation time on the session clock; 0 until the creating op has arrived. */
  t: number;
  seq: number;
  frame: FrameRef | null;
  /** The freeze-frame it was drawn on, or null for the live picture. */
  still: string | null;
  /** The source it was drawn on, or null for the main source (an op of version 1). */
  source: string | null;
  style: Style;
  fade: boolean;
};

export type StrokeAnnotation = Base & {
  kind: 'stroke';
  /** Points by index; a hole is a chunk that has not arrived yet. */
  points: (Point | undefined)[];
  /** Final point count once the stroke has ended; null while it is being drawn. */
  count: number | null;
  began: boolean;
};
export type ShapeAnnotation = Base & { kind: 'arrow' | 'ellipse'; from: Point; to: Point };
export type TextAnnotation = Base & { kind: 'text'; at: Point; text: string };
export type Annotation = StrokeAnnotation | ShapeAnnotation | TextAnnotation;

/** A prior image a mentor showed to everyone: one more picture, `source` its id. */
export type SharedImage = { key: string; author: string; id: string; source: string; t: number; image: PriorImage; label: string };

export type FreezeState = { id: string; by: string; frozen: boolean; stamp: Stamp; frame: FrameRef | null; source: string | null };

export const annotationKey = (target: Target) => `${target.author}/${target.id}`;

const later = (a: Stamp, b: Stamp | undefined) => !b || a.t > b.t || (a.t === b.t && (a.author > b.author || (a.author === b.author && a.seq > b.seq)));

/** Where and how an annotation is drawn, as the op that creates it says: the same for a stroke, a shape and a text. */
const placement = (op: AnnotationOp & { kind: 'stroke.begin' | 'shape' | 'text' }): Omit<Base, 'key' | 'author' | 'id'> => ({
  t: op.t,
  seq: op.seq,
  frame: op.frame,
  still: op.still ?? null,
  source: op.source ?? null,
  style: op.style,
  fade: op.fade,
});

const PLACEHOLDER_STYLE: Style = { color: '#ffffff', width: 'medium' };

/**
 * The most annotations on the picture at once, per author and in all: past them a new one is
 * refused (every receiver refuses it alike, and the mentor's page says so before sending). A
 * page drawing a thousand full-picture arrows stopped answering for minutes, the OR display
 * among them; erasing or clearing makes room again.
 */
export const MAX_ANNOTATIONS_PER_AUTHOR = 1200;
export const MAX_ANNOTATIONS = 2400;
/** Annotations kept at most, those hidden by an erase or a clear included (an undo may bring them back). */
const MAX_KEPT = 6000;

export class OverlayState {
  readonly annotations = new Map<string, Annotation>();
  /** Last erase/restore per annotation key, kept apart so it may arrive before the annotation. */
  private readonly erasures = new Map<string, { erased: boolean; stamp: Stamp }>();
  private clearOps = new Map<string, AnnotationOp & { kind: 'clear' }>();
  /** The latest clear in force of every picture (`all`), and of each source (by id; '' the main source of version 1). */
  private cleared: { all: number; on: Map<string, number> } = { all: 0, on: new Map() };
  private readonly shares = new Map<string, SharedImage & { op: AnnotationOp & { kind: 'share' } }>();
  freeze: FreezeState | null = null;
  /** Bumped on every change, for renderers that redraw on change. */
  version = 0;
  /** Annotations on the picture by author and in all, at `version`. */
  private counted: { version: number; by: Map<string, number>; all: number } | null = null;

  /** Applies one op; returns whether the picture may have changed. */
  apply(op: AnnotationOp): boolean {
    const creates = op.kind === 'shape' || op.kind === 'text' || op.kind === 'stroke.begin';
    const key = annotationKey(op);
    const counted = creates && this.isCounted(this.annotations.get(key));
    const before = this.version;
    if (!this.applyOp(op)) return false;
    this.version++;
    // A flood of new annotations is counted one by one, not by counting them all each time (the
    // count made while applying this op is of the overlay before it).
    const a = this.annotations.get(key);
    if (this.counted?.version === before && creates && !counted && this.isCounted(a)) {
      this.counted!.by.set(a.author, (this.counted!.by.get(a.author) ?? 0) + 1);
      this.counted!.all++;
      this.counted!.version = this.version;
    }
    return true;
  }

  private applyOp(op: AnnotationOp): boolean {
    // Past MAX_KEPT, the oldest hidden annotations go (an undo can no longer bring those back).
    if (this.annotations.size >= MAX_KEPT) this.forgetHidden();
    const stamp: Stamp = { t: op.t, author: op.author, seq: op.seq };
    switch (op.kind) {
      case 'stroke.begin': {
        const key = annotationKey(op);
        if (!this.annotations.has(key) && !this.hasRoomFor(op.author)) return false;
        const stroke = this.stroke(op.author, op.id);
        if (stroke.began) return this.addPoints(stroke, 0, op.points);
        if (!this.hasRoomFor(op.author)) {
          this.annotations.delete(key);
          return false;
        }
        Object.assign(stroke, { began: true, ...placement(op) });
        this.addPoints(stroke, 0, op.points);
        return true;
      }
      case 'stroke.points':
        if (!this.annotations.has(annotationKey(op)) && !this.hasRoomFor(op.author)) return false;
        return this.addPoints(this.stroke(op.author, op.id), op.from, op.points);
      case 'stroke.end': {
        if (!this.annotations.has(annotationKey(op)) && !this.hasRoomFor(op.author)) return false;
        const stroke = this.stroke(op.author, op.id);
        if (stroke.count === op.count) return false;
        stroke.count = op.count;
        stroke.points.length = Math.min(stroke.points.length, op.count);
        return true;
      }
      case 'shape':
      case 'text': {
        const key = annotationKey(op);
        if (this.annotations.has(key) || !this.hasRoomFor(op.author)) return false;
        const base = { key, author: op.author, id: op.id, ...placement(op) };
        this.annotations.set(
          key,
          op.kind === 'shape' ? { ...base, kind: op.shape, from: op.from, to: op.to } : { ...base, kind: 'text', at: op.at, text: op.text },
        );
        return true;
      }
      case 'erase':
      case 'restore': {
        const key = annotationKey(op.target);
        if (!later(stamp, this.erasures.get(key)?.stamp)) return false;
        this.erasures.set(key, { erased: op.kind === 'erase', stamp });
        if (this.clearOps.has(key)) this.updateCleared();
        return true;
      }
      case 'clear': {
        const key = annotationKey(op);
        if (this.clearOps.has(key)) return false;
        this.clearOps.set(key, op);
        return this.updateCleared();
      }
      case 'share': {
        const key = annotationKey(op);
        if (this.shares.has(key)) return false;
        const { author, id, t, image, label } = op;
        this.shares.set(key, { key, author, id, t, image, label, source: sharedSourceId(author, id), op });
        return !this.isErased(key);
      }
      case 'freeze': {
        if (this.freeze && !later(stamp, this.freeze.stamp)) return false;
        this.freeze = { id: op.id, by: op.author, frozen: op.frozen, stamp, frame: op.frame, source: op.source ?? null };
        return true;
      }
      case 'laser':
        // Ephemeral: drawn by the renderer, never part of the state.
        return false;
      case 'bookmark':
        // A chapter of the recording, not part of the picture.
        return false;
    }
  }

  /**
   * Whether `author` may add an annotation: fewer than the limits are on the picture (begun and
   * not hidden).
   */
  hasRoomFor(author: string): boolean {
    const { by, all } = this.count();
    return (by.get(author) ?? 0) < MAX_ANNOTATIONS_PER_AUTHOR && all < MAX_ANNOTATIONS;
  }

  /** Annotations on the picture by author and in all, counted again only when the overlay changed. */
  private count(): { by: Map<string, number>; all: number } {
    if (this.counted?.version === this.version) return this.counted;
    const by = new Map<string, number>();
    let all = 0;
    for (const a of this.annotations.values()) {
      if (!this.isCounted(a)) continue;
      all++;
      by.set(a.author, (by.get(a.author) ?? 0) + 1);
    }
    this.counted = { version: this.version, by, all };
    return this.counted;
  }

  private isCounted(a: Annotation | undefined): a is Annotation {
    return !!a && (a.kind !== 'stroke' || a.began) && !this.isHidden(a);
  }

  private isHidden(a: Annotation): boolean {
    return this.isCleared(a) || this.isErased(a.key);
  }

  private forgetHidden(): void {
    const hidden = [...this.annotations.values()].filter((a) => this.isHidden(a)).sort((a, b) => a.t - b.t);
    for (const a of hidden.slice(0, Math.max(0, this.annotations.size - MAX_KEPT / 2))) this.annotations.delete(a.key);
  }

  private stroke(author: string, id: string): StrokeAnnotation {
    const key = annotationKey({ author, id });
    const existing = this.annotations.get(key);
    if (existing?.kind === 'stroke') return existing;
    const stroke: StrokeAnnotation = {
      key,
      author,
      id,
      kind: 'stroke',
      t: 0,
      seq: 0,
      frame: null,
      still: null,
      source: null,
      style: PLACEHOLDER_STYLE,
      fade: false,
      points: [],
      count: null,
      began: false,
    };
    this.annotations.set(key, stroke);
    return stroke;
  }

  private addPoints(stroke: StrokeAnnotation, from: number, points: readonly Point[]): boolean {
    let changed = false;
    const limit = Math.min(stroke.count ?? MAX_STROKE_POINTS, MAX_STROKE_POINTS);
    points.forEach((p, i) => {
      const index = from + i;
      if (index < limit && stroke.points[index] === undefined) {
        stroke.points[index] = p;
        changed = true;
      }
    });
    return changed;
  }

  isErased(key: string): boolean {
    return this.erasures.get(key)?.erased ?? false;
  }

  /** Everything created up to this time is hidden: the time of the latest clear of every picture not taken back. */
  get clearedAt(): number {
    return this.cleared.all;
  }

  /** Whether a clear in force hides `a`: one of its source made after it, or one of every picture. */
  isCleared(a: Annotation): boolean {
    return a.t <= Math.max(this.cleared.all, this.cleared.on.get(a.source ?? '') ?? 0);
  }

  /** The prior images shown to everyone now (not taken away), oldest first. */
  shared(): SharedImage[] {
    return [...this.shares.values()]
      .filter((s) => !this.isErased(s.key))
      .sort((a, b) => a.t - b.t || (a.key < b.key ? -1 : 1))
      .map(({ op: _, ...s }) => s);
  }

  /** Whether the clear op `target` (a clear's author and id) hides anything now. */
  isClearInForce(target: Target): boolean {
    const key = annotationKey(target);
    return this.clearOps.has(key) && !this.isErased(key);
  }

  private updateCleared(): boolean {
    const cleared: typeof this.cleared = { all: 0, on: new Map() };
    for (const [key, op] of this.clearOps) {
      if (this.isErased(key)) continue;
      if (!op.source) cleared.all = Math.max(cleared.all, op.t);
      else {
        cleared.on.set(op.source, Math.max(cleared.on.get(op.source) ?? 0, op.t));
        // Marks of version 1 name no source: they are on the main picture.
        if (isMainSource(op.source)) cleared.on.set('', Math.max(cleared.on.get('') ?? 0, op.t));
      }
    }
    const same =
      cleared.all === this.cleared.all && cleared.on.size === this.cleared.on.size && [...cleared.on].every(([k, t]) => this.cleared.on.get(k) === t);
    this.cleared = cleared;
    return !same;
  }

  /** Annotations on the picture now, oldest first. */
  visible(): Annotation[] {
    return [...this.annotations.values()]
      .filter((a) => (a.kind !== 'stroke' || a.began) && !this.isCleared(a) && !this.isErased(a.key))
      .sort((a, b) => a.t - b.t || (a.key < b.key ? -1 : 1));
  }

  /**
   * Ops that rebuild this state from nothing, for a participant who joins late. Annotations
   * hidden by an erase or a clear are in it too, since an undo may bring them back;
   * `withHidden: false` leaves them out (a smaller snapshot, which such an undo cannot restore).
   * `keep` lets the caller leave out annotations that have already faded away.
   */
  snapshot(keep: (a: Annotation) => boolean = () => true, { withHidden = true } = {}): OverlaySnapshot {
    const ops: AnnotationOp[] = [];
    const h = (a: { author: string; id: string; t: number; seq: number; frame: FrameRef | null }) => ({
      v: ANNOTATION_VERSION,
      id: a.id,
      author: a.author,
      seq: a.seq,
      t: a.t,
      frame: a.frame,
    });
    for (const a of this.annotations.values()) {
      if (!keep(a) || (!withHidden && this.isHidden(a))) continue;
      if (a.kind === 'stroke') {
        if (!a.began) continue;
        const runs = contiguousRuns(a.points);
        const first = runs[0]?.from === 0 ? runs.shift()!.points : [];
        ops.push({ ...h(a), ...onStill(a), kind: 'stroke.begin', style: a.style, fade: a.fade, points: first });
        for (const run of runs) ops.push({ ...h(a), kind: 'stroke.points', from: run.from, points: run.points });
        if (a.count !== null) ops.push({ ...h(a), kind: 'stroke.end', count: a.count });
      } else if (a.kind === 'text') {
        ops.push({ ...h(a), ...onStill(a), kind: 'text', at: a.at, text: a.text, style: a.style, fade: a.fade });
      } else {
        ops.push({ ...h(a), ...onStill(a), kind: 'shape', shape: a.kind, from: a.from, to: a.to, style: a.style, fade: a.fade });
      }
    }
    for (const [key, { erased, stamp }] of this.erasures) {
      const [author, id] = splitKey(key);
      const target = { author, id };
      ops.push({
        v: ANNOTATION_VERSION,
        id,
        author: stamp.author,
        seq: stamp.seq,
        t: stamp.t,
        frame: null,
        kind: erased ? 'erase' : 'restore',
        target,
      });
    }
    ops.push(...this.clearOps.values());
    for (const s of this.shares.values()) ops.push(s.op);
    if (this.freeze) {
      const { id, by, frozen, stamp, frame, source } = this.freeze;
      ops.push({ v: ANNOTATION_VERSION, id, author: by, seq: stamp.seq, t: stamp.t, frame, kind: 'freeze', frozen, ...(source === null ? {} : { source }) });
    }
    return { v: ANNOTATION_VERSION, kind: 'snapshot', ops };
  }

  /** Applies every op of a snapshot (idempotent: merging twice changes nothing). */
  merge(snapshot: OverlaySnapshot): boolean {
    let changed = false;
    for (const op of snapshot.ops) changed = this.apply(op) || changed;
    return changed;
  }
}

const onStill = (a: Annotation) => ({ ...(a.still === null ? {} : { still: a.still }), ...(a.source === null ? {} : { source: a.source }) });

/**
 * Whether an annotation shows on a picture: the live picture (`still` null) shows the marks drawn
 * on it; a freeze-frame shows those and the marks drawn on that still.
 */
export function isOnPicture(a: Annotation, still: string | null): boolean {
  return a.still === null || a.still === still;
}

/**
 * Whether a mark (an annotation, a laser, a freeze) with `markSource` belongs to the source `id`:
 * its own marks, and on a main source those that name none (ops of version 1).
 */
export function isOnSource(markSource: string | null | undefined, id: string): boolean {
  return markSource ? markSource === id : isMainSource(id);
}

/**
 * Whether a mark belongs to a theatre's main source (or names none). A case holds theatre's main
 * picture only, until the recorder keeps every source: the marks on the others stay in its track
 * with their source, and are not drawn on the main picture.
 */
export function isMainSource(markSource: string | null | undefined): boolean {
  return !markSource || markSource.endsWith(`#${MAIN_SOURCE_KEY}`);
}

/** Runs of consecutive defined points, each at most one op's worth. */
function contiguousRuns(points: readonly (Point | undefined)[]): { from: number; points: Point[] }[] {
  const runs: { from: number; points: Point[] }[] = [];
  let current: { from: number; points: Point[] } | null = null;
  points.forEach((p, i) => {
    if (!p) {
      current = null;
      return;
    }
    if (!current || current.points.length === MAX_POINTS_PER_OP) {
      current = { from: i, points: [] };
      runs.push(current);
    }
    current.points.push(p);
  });
  return runs;
}

function splitKey(key: string): [string, string] {
  const slash = key.lastIndexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
