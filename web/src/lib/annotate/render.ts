/**
 * Draws overlay annotations with Konva, incrementally: a node per annotation, created once,
 * updated when its points grow, removed when it leaves the picture. All geometry comes from
 * normalised coordinates and the picture's rectangle on this screen.
 */
import type Konva from 'konva';
import { ANNOTATION_WIDTHS, toPixels, type Annotation, type Rect } from '@loupe/protocol';

type KonvaModule = typeof Konva;

/** `lines`: a stroke's casing and its coloured line, which grow together. */
type Entry = { node: Konva.Group; signature: string; lines?: Konva.Line[]; drawn?: number };

/**
 * A stroke's line. Chromium draws nothing for a path that does not move (one point, or a tap
 * whose points are all the same), not even the round caps, so such a stroke (the pen just
 * touched down, or a tap) is drawn as a dot: a segment a hundredth of a pixel long, all cap.
 */
function strokeLine(points: ([number, number] | undefined)[], rect: Rect): number[] {
  const flat = points.flatMap((p) => (p ? toPixels(p, rect) : []));
  const [x = 0, y = 0] = flat;
  const still = flat.every((v, i) => v === (i % 2 === 0 ? x : y));
  return still && flat.length > 0 ? [x, y, x + 0.01, y] : flat;
}

export function strokeWidthPx(a: Annotation, rect: Rect): number {
  return Math.max(2, ANNOTATION_WIDTHS[a.style.width] * rect.width);
}

/** About how many CSS pixels an annotation's drawing covers (its line and casing), for the painter's budget. */
function inkOf(a: Annotation, rect: Rect): number {
  const width = 2 * strokeWidthPx(a, rect) + 3;
  const span = (p: [number, number], q: [number, number]) => Math.hypot((q[0] - p[0]) * rect.width, (q[1] - p[1]) * rect.height);
  switch (a.kind) {
    case 'stroke': {
      const points = a.points.filter((p) => p !== undefined);
      return width * (1 + points.slice(1).reduce((n, p, i) => n + span(points[i]!, p), 0));
    }
    case 'arrow':
      return width * (span(a.from, a.to) + 8 * width);
    case 'ellipse':
      return width * (Math.PI / 2) * span(a.from, a.to);
    case 'text':
      return textSizePx(a, rect) ** 2 * a.text.length;
  }
}

// Text and name tags scale with the picture like every other drawing, so that a label covers
// the same part of the picture on a phone as on the OR display.
function textSizePx(a: Annotation, rect: Rect): number {
  const factor = { thin: 0.03, medium: 0.04, thick: 0.055 }[a.style.width];
  return Math.max(8, factor * rect.height);
}

const tagSizePx = (rect: Rect) => Math.max(8, 0.017 * rect.height);

/**
 * What a layer may paint per animation frame: drawing time in JavaScript, and ink (the CSS pixels
 * its lines cover, that the browser then rasterises, off the JavaScript clock: a thousand thick
 * arrows across the picture take it ~100 ms of a core). The rest of the frame is the page's.
 */
const FRAME_BUDGET_MS = 6;
const FRAME_BUDGET_INK = 1_500_000;
/** Drawings of annotations off the picture (hidden by a clear or an erase) kept to show again at once. */
const MAX_HIDDEN = 6000;

/**
 * Paints a layer within its budget per frame, whatever is on it: annotations added are painted
 * over what is shown, a few at a time if there are many; any other change (one removed, a fade, a
 * move) repaints the whole layer into a buffer, shown once complete, so the picture never shows
 * half an overlay (changes during a repaint get the next one). A mentor's thousands of
 * full-picture arrows, or a Clear all undone and redone every frame, then cost the OR display a
 * slower overlay, never a frozen page.
 */
export class LayerPainter {
  private readonly layer: Konva.Layer;
  private readonly buffer: Konva.Layer;
  private added: Konva.Group[] = [];
  /** The next node to paint into the buffer while the layer is repainted; null otherwise. */
  private repaintAt: number | null = null;
  /** The layer changed during the repaint under way: another follows it. */
  private again = false;
  private frame = 0;

  constructor(K: KonvaModule, layer: Konva.Layer) {
    this.layer = layer;
    // A layer of its own, never on the stage: only its canvas is used, as the buffer.
    this.buffer = new K.Layer({ listening: false });
  }

  add(node: Konva.Group): void {
    // A repaint under way paints it anyway (it goes on to the layer's last node).
    if (this.repaintAt === null) this.added.push(node);
    this.request();
  }

  repaint(): void {
    this.added = [];
    if (this.repaintAt === null || this.repaintAt === 0) this.repaintAt = 0;
    else this.again = true;
    this.request();
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.buffer.destroy();
  }

  /** An empty buffer the size of the layer. */
  private clearBuffer(): void {
    const shown = this.layer.getCanvas();
    const buffer = this.buffer.getCanvas();
    const pixelRatio = shown.getPixelRatio();
    if (buffer.getPixelRatio() !== pixelRatio) buffer.setPixelRatio(pixelRatio);
    if (buffer.width !== shown.width || buffer.height !== shown.height) buffer.setSize(shown.width / pixelRatio, shown.height / pixelRatio);
    else buffer.getContext().clear();
  }

  /**
   * The first change in a frame is painted at once (it shows in the coming frame); what follows
   * in the same frame, or does not fit in its budget, waits for the next.
   */
  private request(): void {
    if (!this.frame) this.tick();
  }

  private tick(): void {
    this.frame = 0;
    if (this.repaintAt === null && !this.added.length) return;
    this.paint();
    this.frame = requestAnimationFrame(() => this.tick());
  }

  private paint(): void {
    const until = performance.now() + FRAME_BUDGET_MS;
    let ink = 0;
    // At least one node a frame, however big, so that painting always ends.
    const more = () => performance.now() < until && ink < FRAME_BUDGET_INK;
    const paint = (node: Konva.Node, canvas?: ReturnType<Konva.Layer['getCanvas']>) => {
      if (!node.visible()) return;
      node.drawScene(canvas);
      ink += (node.getAttr('ink') as number | undefined) ?? 0;
    };
    if (this.repaintAt !== null) {
      const nodes = this.layer.getChildren();
      const canvas = this.buffer.getCanvas();
      if (this.repaintAt === 0) this.clearBuffer();
      do if (nodes[this.repaintAt]) paint(nodes[this.repaintAt]!, canvas);
      while (++this.repaintAt < nodes.length && more());
      if (this.repaintAt >= nodes.length) {
        const shown = this.layer.getContext();
        shown.clear();
        shown.drawImage(canvas._canvas, 0, 0, canvas.width / canvas.getPixelRatio(), canvas.height / canvas.getPixelRatio());
        this.repaintAt = this.again ? 0 : null;
        this.again = false;
      }
    } else {
      do {
        const node = this.added.shift();
        if (node?.getLayer() === this.layer) paint(node);
      } while (this.added.length && more());
    }
  }
}

/**
 * Two layers: finished annotations, painted as they are added and repainted only when one is
 * removed or changed; and strokes still being drawn, redrawn at every new point. With a thousand
 * annotations on the picture, a growing stroke then costs one small layer's redraw per frame, not
 * a thousand. Konva's own redraw on every change is off (`autoDrawEnabled`): this class says what
 * is drawn and when.
 */
export class AnnotationRenderer {
  private readonly K: KonvaModule;
  private readonly still: Konva.Layer;
  private readonly active: Konva.Layer;
  private readonly painter: LayerPainter;
  /** Drawings by annotation key, those hidden now (a clear undone shows them again) included. */
  private readonly entries = new Map<string, Entry>();
  private hidden = 0;

  constructor(K: KonvaModule, still: Konva.Layer, active: Konva.Layer) {
    K.autoDrawEnabled = false;
    this.K = K;
    this.still = still;
    this.active = active;
    this.painter = new LayerPainter(K, still);
  }

  /** Brings the layers in line with `annotations`; `label` names the author when several draw. */
  render(annotations: Annotation[], rect: Rect, opacity: (a: Annotation) => number, label: (a: Annotation) => string | null): void {
    const seen = new Set<string>();
    let activeChanged = false;
    let stillChanged = false;
    const stillAdded: Konva.Group[] = [];
    const touch = (node: Konva.Node) => {
      if (node.getLayer() === this.active) activeChanged = true;
      else stillChanged = true;
    };
    const place = `${rect.x},${rect.y},${rect.width},${rect.height}|`;
    for (const a of annotations) {
      seen.add(a.key);
      const name = label(a);
      const signature = place + (name ?? '');
      const layer = a.kind === 'stroke' && a.count === null ? this.active : this.still;
      const entry = this.entries.get(a.key);
      if (entry && entry.signature === signature) {
        if (!entry.node.visible()) {
          this.hidden--;
          entry.node.visible(true);
          touch(entry.node);
        }
        // A growing stroke: only its line's points change, once per frame while it is drawn.
        if (a.kind === 'stroke' && entry.lines && entry.drawn !== a.points.length) {
          const points = strokeLine(a.points, rect);
          for (const line of entry.lines) line.points(points);
          entry.drawn = a.points.length;
          touch(entry.node);
        }
        const o = opacity(a);
        if (entry.node.opacity() !== o) {
          entry.node.opacity(o);
          touch(entry.node);
        }
        if (entry.node.getLayer() !== layer) {
          touch(entry.node);
          entry.node.setAttr('ink', inkOf(a, rect));
          entry.node.moveTo(layer);
          if (layer === this.still) stillAdded.push(entry.node);
          else activeChanged = true;
        }
        continue;
      }
      if (entry) {
        if (entry.node.visible()) touch(entry.node);
        this.forget(a.key, entry);
      }
      const node = this.build(a, rect, name);
      node.opacity(opacity(a));
      node.setAttr('ink', inkOf(a, rect));
      layer.add(node);
      if (layer === this.still) stillAdded.push(node);
      else activeChanged = true;
      const lines = a.kind === 'stroke' ? node.find<Konva.Line>('Line') : undefined;
      this.entries.set(a.key, { node, signature, lines, drawn: a.kind === 'stroke' ? a.points.length : undefined });
    }
    // Drawings no longer on the picture are hidden, not destroyed: a clear undone, or an erase,
    // shows them again without building them again (and in their place among the others).
    for (const [key, entry] of this.entries) {
      if (seen.has(key) || !entry.node.visible()) continue;
      touch(entry.node);
      entry.node.visible(false);
      if (++this.hidden > MAX_HIDDEN) this.forgetHidden();
    }
    // The small layer of strokes being drawn is drawn now, so the browser paints it in the coming
    // frame; the big layer of finished ones within its budget per frame.
    if (activeChanged) this.active.draw();
    if (stillChanged) this.painter.repaint();
    else for (const node of stillAdded) this.painter.add(node);
  }

  private forget(key: string, entry: Entry): void {
    if (!entry.node.visible()) this.hidden--;
    entry.node.destroy();
    this.entries.delete(key);
  }

  /** Destroys the older half of the hidden drawings. */
  private forgetHidden(): void {
    let drop = this.hidden / 2;
    for (const [key, entry] of this.entries) {
      if (drop <= 0) break;
      if (entry.node.visible()) continue;
      this.forget(key, entry);
      drop--;
    }
  }

  private build(a: Annotation, rect: Rect, name: string | null): Konva.Group {
    const K = this.K;
    const width = strokeWidthPx(a, rect);
    const common = { stroke: a.style.color, strokeWidth: width, lineCap: 'round' as const, lineJoin: 'round' as const };
    // A dark casing under every line keeps each colour readable on bright tissue and on white
    // ultrasound speckle. Not a blurred shadow: blurring is the canvas's dearest operation, and a
    // mentor's thousand full-picture arrows with it froze the OR display for minutes.
    const casing = { stroke: 'rgba(0, 0, 0, 0.55)', strokeWidth: width + 3, lineCap: 'round' as const, lineJoin: 'round' as const };
    const group = new K.Group({ listening: false });
    let anchor: [number, number];
    switch (a.kind) {
      case 'stroke': {
        const points = strokeLine(a.points, rect);
        anchor = [points[0] ?? rect.x, points[1] ?? rect.y];
        group.add(new K.Line({ ...casing, points, tension: 0 }), new K.Line({ ...common, points, tension: 0 }));
        break;
      }
      case 'arrow': {
        const [x1, y1] = toPixels(a.from, rect);
        const [x2, y2] = toPixels(a.to, rect);
        anchor = [x1, y1];
        const arrow = { points: [x1, y1, x2, y2], pointerLength: width * 4, pointerWidth: width * 4 };
        group.add(new K.Arrow({ ...casing, ...arrow, fill: casing.stroke }), new K.Arrow({ ...common, ...arrow, fill: a.style.color }));
        break;
      }
      case 'ellipse': {
        const [x1, y1] = toPixels(a.from, rect);
        const [x2, y2] = toPixels(a.to, rect);
        anchor = [Math.min(x1, x2), Math.min(y1, y2)];
        const ellipse = { x: (x1 + x2) / 2, y: (y1 + y2) / 2, radiusX: Math.abs(x2 - x1) / 2, radiusY: Math.abs(y2 - y1) / 2 };
        group.add(new K.Ellipse({ ...casing, ...ellipse }), new K.Ellipse({ ...common, ...ellipse }));
        break;
      }
      case 'text': {
        const [x, y] = toPixels(a.at, rect);
        anchor = [x, y];
        const size = textSizePx(a, rect);
        group.add(...this.label(a.text, x, y, size, a.style.color, 'rgba(5, 10, 15, 0.72)', 0.25));
        break;
      }
    }
    if (name) {
      const size = tagSizePx(rect);
      group.add(...this.label(name, anchor[0], anchor[1] - size * 1.9, size, '#05080c', a.style.color, 0.3));
    }
    return group;
  }

  /**
   * Text on a rounded plate. A Konva.Label does the same, but keeps listeners to follow its
   * text: a mentor's thousand name tags cost more to build than to draw.
   */
  private label(text: string, x: number, y: number, size: number, color: string, plate: string, rounding: number): [Konva.Rect, Konva.Text] {
    const t = new this.K.Text({ x, y, text, fontSize: size, fontStyle: 'bold', fill: color, padding: size * 0.3 });
    return [new this.K.Rect({ x, y, width: t.width(), height: t.height(), fill: plate, cornerRadius: size * rounding }), t];
  }

  destroy(): void {
    for (const entry of this.entries.values()) entry.node.destroy();
    this.entries.clear();
    this.painter.destroy();
  }
}
