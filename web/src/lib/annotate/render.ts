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

// Text and name tags scale with the picture like every other drawing, so that a label covers
// the same part of the picture on a phone as on the OR display.
function textSizePx(a: Annotation, rect: Rect): number {
  const factor = { thin: 0.03, medium: 0.04, thick: 0.055 }[a.style.width];
  return Math.max(8, factor * rect.height);
}

const tagSizePx = (rect: Rect) => Math.max(8, 0.017 * rect.height);

/**
 * Two layers: finished annotations, redrawn only when one is added, removed or moved; and
 * strokes still being drawn, redrawn at every new point. With a thousand annotations on the
 * picture, a growing stroke then costs one small layer's redraw per frame, not a thousand.
 */
export class AnnotationRenderer {
  private readonly K: KonvaModule;
  private readonly still: Konva.Layer;
  private readonly active: Konva.Layer;
  private readonly entries = new Map<string, Entry>();

  constructor(K: KonvaModule, still: Konva.Layer, active: Konva.Layer) {
    this.K = K;
    this.still = still;
    this.active = active;
  }

  /** Brings the layer in line with `annotations`; `label` names the author when several draw. */
  render(annotations: Annotation[], rect: Rect, opacity: (a: Annotation) => number, label: (a: Annotation) => string | null): void {
    const seen = new Set<string>();
    const dirty = new Set<Konva.Layer>();
    for (const a of annotations) {
      seen.add(a.key);
      const name = label(a);
      const signature = `${rect.x},${rect.y},${rect.width},${rect.height}|${name ?? ''}`;
      const layer = a.kind === 'stroke' && a.count === null ? this.active : this.still;
      const entry = this.entries.get(a.key);
      if (entry && entry.signature === signature) {
        // A growing stroke: only its line's points change, once per frame while it is drawn.
        if (a.kind === 'stroke' && entry.lines && entry.drawn !== a.points.length) {
          const points = strokeLine(a.points, rect);
          for (const line of entry.lines) line.points(points);
          entry.drawn = a.points.length;
          dirty.add(layer);
        }
        if (entry.node.getLayer() !== layer) {
          dirty.add(entry.node.getLayer() as Konva.Layer).add(layer);
          entry.node.moveTo(layer);
        }
        const o = opacity(a);
        if (entry.node.opacity() !== o) {
          entry.node.opacity(o);
          dirty.add(layer);
        }
        continue;
      }
      if (entry) dirty.add(entry.node.getLayer() as Konva.Layer);
      entry?.node.destroy();
      const node = this.build(a, rect, name);
      node.opacity(opacity(a));
      node.setAttr('annotationKey', a.key);
      layer.add(node);
      dirty.add(layer);
      const lines = a.kind === 'stroke' ? node.find<Konva.Line>('Line') : undefined;
      this.entries.set(a.key, { node, signature, lines, drawn: a.kind === 'stroke' ? a.points.length : undefined });
    }
    for (const [key, entry] of this.entries) {
      if (!seen.has(key)) {
        dirty.add(entry.node.getLayer() as Konva.Layer);
        entry.node.destroy();
        this.entries.delete(key);
      }
    }
    // The small layer of strokes being drawn is drawn now, so the browser paints it in the coming
    // frame; the big layer of finished ones waits for Konva's next animation frame.
    for (const layer of dirty) {
      if (layer === this.active) layer.draw();
      else layer?.batchDraw();
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
        const label = new K.Label({ x, y });
        label.add(new K.Tag({ fill: 'rgba(5, 10, 15, 0.72)', cornerRadius: size * 0.25 }));
        label.add(new K.Text({ text: a.text, fontSize: size, fontStyle: 'bold', fill: a.style.color, padding: size * 0.3 }));
        group.add(label);
        break;
      }
    }
    if (name) {
      const size = tagSizePx(rect);
      const tag = new K.Label({ x: anchor[0], y: anchor[1] - size * 1.9 });
      tag.add(new K.Tag({ fill: a.style.color, cornerRadius: size * 0.3 }));
      tag.add(new K.Text({ text: name, fontSize: size, fontStyle: 'bold', fill: '#05080c', padding: size * 0.3 }));
      group.add(tag);
    }
    return group;
  }

  destroy(): void {
    for (const entry of this.entries.values()) entry.node.destroy();
    this.entries.clear();
  }
}
