/**
 * Where the picture sits inside an element that shows it with `object-fit: contain`, and the
 * mapping between page pixels and normalised picture coordinates (0..1 of the frame).
 */
import type { Point } from './annotation.ts';

export type Rect = { x: number; y: number; width: number; height: number };

/** The picture's rectangle inside a box of `box` size, letterboxed or pillarboxed to fit. */
export function contentRect(box: { width: number; height: number }, frame: { width: number; height: number }): Rect {
  if (box.width <= 0 || box.height <= 0 || frame.width <= 0 || frame.height <= 0) {
    return { x: 0, y: 0, width: Math.max(box.width, 0), height: Math.max(box.height, 0) };
  }
  const scale = Math.min(box.width / frame.width, box.height / frame.height);
  const width = frame.width * scale;
  const height = frame.height * scale;
  return { x: (box.width - width) / 2, y: (box.height - height) / 2, width, height };
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
// 1e-4 of the frame is a tenth of a pixel on a 1000-pixel picture; it keeps packets small.
const quantise = (v: number) => Math.round(v * 10_000) / 10_000;

/** Page (or element) pixels → normalised picture coordinates, clamped to the picture. */
export function toNormalised(px: number, py: number, rect: Rect): Point {
  return [quantise(clamp01((px - rect.x) / rect.width)), quantise(clamp01((py - rect.y) / rect.height))];
}

/** Normalised picture coordinates → pixels in the same space as `rect`. */
export function toPixels(point: Point, rect: Rect): [number, number] {
  return [rect.x + point[0] * rect.width, rect.y + point[1] * rect.height];
}
