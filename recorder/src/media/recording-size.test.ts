import { describe, expect, it } from 'vitest';
import { recordingSize } from './recording-size.ts';

describe('recordingSize', () => {
  it('records at the size theatre publishes', () => {
    expect(recordingSize({ width: 1280, height: 720 })).toEqual({ width: 1280, height: 720 });
  });

  it('records a 4K picture at 1080p, keeping its shape', () => {
    expect(recordingSize({ width: 3840, height: 2160 })).toEqual({ width: 1920, height: 1080 });
  });

  it('gives the encoder even sides (I420 halves them)', () => {
    expect(recordingSize({ width: 641, height: 359 })).toEqual({ width: 642, height: 360 });
  });
});
