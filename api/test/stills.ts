/** Stills for the api's tests: a real PNG of a grey ultrasound-like sector, and its Content-Digest. */
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';

/** A `width`×`height` RGB PNG: a grey sector on black whose speckle depends on `seed`, so two stills differ. */
export function sectorPng(width = 320, height = 240, seed = 1): Buffer {
  const png = new PNG({ width, height });
  const cx = width / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const angle = Math.abs(Math.atan2(x - cx, y + 10));
      const inside = angle < 0.6 && y > 8;
      const grey = inside ? (((x * 31 + y * 17 + seed * 101) ^ (x * y)) & 0x7f) + 60 : 0;
      const i = (y * width + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = grey;
      png.data[i + 3] = 255;
    }
  }
  // RGB on the wire, as a canvas export of an opaque picture would be once its alpha is dropped.
  return PNG.sync.write(png, { colorType: 2 });
}

/** The RFC 9530 Content-Digest header of `bytes`. */
export const contentDigest = (bytes: Buffer) => `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;
