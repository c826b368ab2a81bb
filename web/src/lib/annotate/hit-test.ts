/** Which annotation the eraser touches: the nearest within a tolerance, measured in pixels. */
import { toPixels, type Annotation, type Rect } from '@loupe/protocol';

function distanceToSegment(p: [number, number], a: [number, number], b: [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

function distance(a: Annotation, p: [number, number], rect: Rect): number {
  switch (a.kind) {
    case 'stroke': {
      const pts = a.points.filter((x) => x !== undefined).map((x) => toPixels(x, rect));
      if (pts.length === 1) return Math.hypot(p[0] - pts[0]![0], p[1] - pts[0]![1]);
      let best = Infinity;
      for (let i = 1; i < pts.length; i++) best = Math.min(best, distanceToSegment(p, pts[i - 1]!, pts[i]!));
      return best;
    }
    case 'arrow':
      return distanceToSegment(p, toPixels(a.from, rect), toPixels(a.to, rect));
    case 'ellipse': {
      const [x1, y1] = toPixels(a.from, rect);
      const [x2, y2] = toPixels(a.to, rect);
      const cx = (x1 + x2) / 2;
      const cy = (y1 + y2) / 2;
      const rx = Math.max(Math.abs(x2 - x1) / 2, 1);
      const ry = Math.max(Math.abs(y2 - y1) / 2, 1);
      // Distance to the outline, approximated by the normalised radius.
      const k = Math.hypot((p[0] - cx) / rx, (p[1] - cy) / ry);
      return Math.abs(k - 1) * Math.min(rx, ry);
    }
    case 'text': {
      const [x, y] = toPixels(a.at, rect);
      return Math.hypot(p[0] - x, p[1] - y) - 20;
    }
  }
}

export function hitTest(annotations: Annotation[], p: [number, number], rect: Rect, tolerancePx = 24): Annotation | null {
  let best: Annotation | null = null;
  let bestDistance = tolerancePx;
  for (const a of annotations) {
    const d = distance(a, p, rect);
    if (d <= bestDistance) {
      best = a;
      bestDistance = d;
    }
  }
  return best;
}
