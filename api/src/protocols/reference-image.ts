/**
 * Checks on an uploaded reference image before it is kept: a PNG or JPEG by its first bytes (the
 * declared type is not trusted), each side within REFERENCE_IMAGE_SIDE by its header, and then
 * decoded whole, so that a truncated or corrupt file is refused here rather than shown broken to
 * every sonographer. The header is read before decoding: a small file that claims a huge picture
 * is refused without allocating it.
 */
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { MAX_REFERENCE_IMAGE_BYTES, REFERENCE_IMAGE_SIDE, type ReferenceImageType } from '@loupe/protocol';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type CheckedImage = { type: ReferenceImageType; width: number; height: number };

/** The image's type and size, or why it is refused (a sentence for the QC lead). */
export function checkReferenceImage(bytes: Buffer): CheckedImage | { refused: string; status: 400 | 413 } {
  if (bytes.length > MAX_REFERENCE_IMAGE_BYTES)
    return { refused: `A reference image may be at most ${MAX_REFERENCE_IMAGE_BYTES / 1024 / 1024} MB`, status: 413 };
  const type = bytes.subarray(0, 8).equals(PNG_SIGNATURE) ? 'image/png' : bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff ? 'image/jpeg' : null;
  if (!type) return { refused: 'A reference image must be a PNG or JPEG file', status: 400 };
  const header = type === 'image/png' ? pngHeaderSize(bytes) : jpegHeaderSize(bytes);
  if (!header) return { refused: `The ${type === 'image/png' ? 'PNG' : 'JPEG'} file is damaged: its size cannot be read`, status: 400 };
  const { min, max } = REFERENCE_IMAGE_SIDE;
  if ([header.width, header.height].some((side) => side < min || side > max))
    return { refused: `The image is ${header.width}×${header.height} pixels; each side must be ${min} to ${max}`, status: 400 };
  const decoded = decode(type, bytes);
  if (!decoded || decoded.width !== header.width || decoded.height !== header.height)
    return { refused: `The ${type === 'image/png' ? 'PNG' : 'JPEG'} file is damaged: it cannot be decoded`, status: 400 };
  return { type, ...header };
}

function decode(type: ReferenceImageType, bytes: Buffer): { width: number; height: number } | null {
  try {
    if (type === 'image/png') return PNG.sync.read(bytes);
    const max = REFERENCE_IMAGE_SIDE.max;
    return jpeg.decode(bytes, { useTArray: true, maxResolutionInMP: (max * max) / 1e6, maxMemoryUsageInMB: 128 });
  } catch {
    return null;
  }
}

/** Width and height from a PNG's IHDR, the chunk that must come first. */
function pngHeaderSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Width and height from a JPEG's first start-of-frame marker (SOF0–SOF15 but DHT, JPG and DAC). */
function jpegHeaderSize(bytes: Buffer): { width: number; height: number } | null {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    const length = bytes.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    if (marker === 0xd9 || marker === 0xda || length < 2) return null;
    at += 2 + length;
  }
  return null;
}
