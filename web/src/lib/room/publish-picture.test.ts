import { describe, expect, it } from 'vitest';
import { simulcastLayers } from './publish-picture.ts';

const heights = (source: number | undefined) => simulcastLayers(source).map((l) => l.height);

describe('simulcastLayers', () => {
  it('keeps 360p and 720p under a full-HD capture', () => {
    expect(heights(1080)).toEqual([360, 720]);
  });

  it('never adds a layer as big as the source: a 720p capture is encoded once at 720p', () => {
    expect(heights(720)).toEqual([360]);
  });

  it('keeps both when the browser does not say how big the source is', () => {
    expect(heights(undefined)).toEqual([360, 720]);
  });
});
