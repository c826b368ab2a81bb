/** Where a recording's files live under the media directory, and what a crash left of them. */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { countFrames } from './probe.ts';

export type RecordingPaths = { dir: string; segments: string; audio: string; events: string };

export function recordingPaths(mediaDir: string, recordingId: string): RecordingPaths {
  const dir = join(mediaDir, 'recordings', recordingId);
  return { dir, segments: join(dir, 'segments'), audio: join(dir, 'audio.pcm'), events: join(dir, 'events.jsonl') };
}

/**
 * Segments that hold frames, in order, with how many each holds; a segment cut short by a crash
 * holds none and is removed.
 */
export async function keptSegments(segmentsDir: string): Promise<{ files: string[]; counts: number[]; frames: number }> {
  const files: string[] = [];
  const counts: number[] = [];
  let frames = 0;
  for (const name of readdirSync(segmentsDir).filter((n) => /^seg_\d+\.mp4$/.test(n)).sort()) {
    const path = join(segmentsDir, name);
    const n = await countFrames(path);
    if (n === 0) rmSync(path);
    else {
      files.push(path);
      counts.push(n);
      frames += n;
    }
  }
  return { files, counts, frames };
}
