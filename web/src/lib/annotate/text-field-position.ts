/**
 * Where the text label's field goes in its container: its top-left corner at the point the
 * mentor chose (where the label's own corner will be), moved only as far as it must to stay
 * inside the container, and above the point when there is no room below it (a phone's picture).
 */
type Size = { width: number; height: number };

export function labelFieldPosition(o: { point: { x: number; y: number }; field: Size; bounds: Size; margin?: number }): { left: number; top: number } {
  const margin = o.margin ?? 8;
  const clamp = (value: number, size: number, room: number) => Math.max(margin, Math.min(value, room - size - margin));
  const below = o.point.y + o.field.height + margin <= o.bounds.height;
  return {
    left: clamp(o.point.x, o.field.width, o.bounds.width),
    top: clamp(below ? o.point.y : o.point.y - o.field.height, o.field.height, o.bounds.height),
  };
}
