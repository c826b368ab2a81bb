import { describe, expect, it } from 'vitest';
import { labelFieldPosition } from './text-field-position.ts';

const field = { width: 300, height: 64 };
const bounds = { width: 1000, height: 600 };

describe('the text label field', () => {
  it('opens with its corner where the mentor clicked', () => {
    expect(labelFieldPosition({ point: { x: 120, y: 480 }, field, bounds })).toEqual({ left: 120, top: 480 });
  });

  it('stays inside the picture near its right and bottom edges', () => {
    // No room below: it opens above the point; no room to the right: it moves left.
    expect(labelFieldPosition({ point: { x: 900, y: 580 }, field, bounds })).toEqual({ left: 692, top: 516 });
  });

  it('keeps a margin from the top-left corner, and from the left on a container narrower than the field', () => {
    expect(labelFieldPosition({ point: { x: 2, y: 1 }, field, bounds })).toEqual({ left: 8, top: 8 });
    expect(labelFieldPosition({ point: { x: 150, y: 100 }, field, bounds: { width: 280, height: 600 } }).left).toBe(8);
  });
});
