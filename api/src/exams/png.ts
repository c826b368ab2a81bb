/**
 * Checks on an uploaded still before it is kept: the PNG signature and header, and the SHA-256
 * the client sent (RFC 9530 `Content-Digest: sha-256=:<base64>:`). The pixels are never decoded
 * here: the file is kept byte for byte, and the PACS path decodes it (api/src/pacs/).
 */
import { createHash } from 'node:crypto';
import { MAX_STILL_PIXELS } from '@loupe/protocol';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG's size from its IHDR chunk, or why the bytes are not a PNG Loupe takes. */
export function pngSize(bytes: Buffer): { width: number; height: number } | { refused: string } {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(SIGNATURE)) return { refused: 'The still is not a PNG image' };
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') return { refused: 'The still is not a valid PNG (no header chunk)' };
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0) return { refused: 'The still has no pixels' };
  if (width * height > MAX_STILL_PIXELS) return { refused: `The still is ${width}×${height}; at most ${MAX_STILL_PIXELS} pixels are taken` };
  return { width, height };
}

/** The hex SHA-256 named by a Content-Digest header, or null when it names none. */
export function sha256FromDigestHeader(header: string | undefined): string | null {
  const match = header && /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]+={0,2}):/i.exec(header);
  if (!match) return null;
  const digest = Buffer.from(match[1]!, 'base64');
  return digest.length === 32 ? digest.toString('hex') : null;
}

export const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A DICOM UID from a random UUID, under the 2.25 root that ISO/IEC 9834-8 gives every UUID. */
export function dicomUid(): string {
  return `2.25.${BigInt(`0x${crypto.randomUUID().replaceAll('-', '')}`).toString()}`;
}
