/**
 * What every still upload goes through, an exam's view or a mentor's freeze frame: a PNG within
 * MAX_STILL_BYTES whose SHA-256 the sender stated (Content-Digest), kept whole or not at all, and
 * placed on the session's recording if one is running.
 */
import type { MediaStore } from '@loupe/media-store';
import { CAPTURING_RECORDING_STATUSES, MAX_STILL_BYTES, stillFile } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { latestRecording } from '../recordings/queries.ts';
import { pngSize, sha256FromDigestHeader, sha256Hex } from './png.ts';

export type StillRefusal = { status: 400 | 413; reason: 'too_large' | 'not_png' | 'no_digest' | 'wrong_hash'; message: string };
export type CheckedStill = { width: number; height: number; sha256: string };

/** Whether `bytes` is a still the api keeps, and if not, why (for the answer and the audit log). */
export function checkStill(bytes: Buffer, digestHeader: string | undefined): CheckedStill | { refused: StillRefusal } {
  const refuse = (status: 400 | 413, reason: StillRefusal['reason'], message: string) => ({ refused: { status, reason, message } });
  if (bytes.length > MAX_STILL_BYTES) return refuse(413, 'too_large', `A still may be at most ${MAX_STILL_BYTES / 1024 / 1024} MB`);
  const size = pngSize(bytes);
  if ('refused' in size) return refuse(400, 'not_png', size.refused);
  const claimed = sha256FromDigestHeader(digestHeader);
  if (!claimed) return refuse(400, 'no_digest', 'Send the still\'s SHA-256 as "Content-Digest: sha-256=:<base64>:"');
  const sha256 = sha256Hex(bytes);
  if (claimed !== sha256) return refuse(400, 'wrong_hash', 'The still does not match its SHA-256: it changed on the way; capture it again');
  return { width: size.width, height: size.height, sha256 };
}

/**
 * Writes the still under the media directory (a crash mid-write leaves a temporary file, never a
 * half still) and, with a bucket, stores it there in the background: the scan room is answered
 * at once, and a bucket that is away costs a wait, never the still.
 */
export async function storeStill(media: MediaStore, stillId: string, bytes: Buffer): Promise<void> {
  await media.writeLocal(stillFile(stillId), bytes);
  media.storeInBackground(stillFile(stillId));
}

/**
 * The recording a still taken `now` belongs to (one capturing, paused or waiting), and the api's
 * own guess of its moment: wall time since capture began, blind to pauses and gaps. The recorder
 * logs the exact moment when the room hears of the still (ExamNotice `captured`); this guess
 * stands in for cases recorded before it did.
 */
export async function recordingAt(db: Db, sessionId: string, now: Date): Promise<{ recordingId: string | null; atMs: number | null }> {
  const recording = await latestRecording(db, sessionId);
  if (!recording || !(CAPTURING_RECORDING_STATUSES as readonly string[]).includes(recording.status)) return { recordingId: null, atMs: null };
  const capturing = recording.status === 'recording' && recording.capturingAt;
  return { recordingId: recording.id, atMs: capturing ? now.getTime() - recording.capturingAt!.getTime() : null };
}
