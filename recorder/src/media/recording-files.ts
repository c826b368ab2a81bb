/** Where a recording's files live under the media directory, and what a crash left of them. */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CASE_FILES, recordingFiles, sourceVideoFile, type CaseFile } from '@loupe/protocol';
import { countFrames } from './probe.ts';

export type RecordingPaths = {
  dir: string;
  segments: string;
  sound: string;
  events: string;
  caseFiles: Record<keyof typeof CASE_FILES, string>;
  /** The `n`th other source's segments, and the video it becomes. */
  sources: (n: number) => string;
  sourceVideo: (n: number) => string;
};

/** A recording's files (protocol's names) under the media directory. */
export function recordingPaths(mediaDir: string, recordingId: string): RecordingPaths {
  const files = recordingFiles(recordingId);
  const at = (file: CaseFile) => join(mediaDir, files.caseFile(file));
  return {
    dir: join(mediaDir, files.dir),
    segments: join(mediaDir, files.segments),
    sound: join(mediaDir, files.sound),
    events: join(mediaDir, files.events),
    sources: (n) => join(mediaDir, files.sourceSegments(n)),
    sourceVideo: (n) => join(mediaDir, files.caseFile(sourceVideoFile(n))),
    caseFiles: { video: at(CASE_FILES.video), poster: at(CASE_FILES.poster), thumbnails: at(CASE_FILES.thumbnails), annotations: at(CASE_FILES.annotations) },
  };
}

/**
 * Segments that hold frames, in order, with how many each holds; a segment cut short by a crash
 * holds none and is removed.
 */
export async function keptSegments(segmentsDir: string): Promise<{ files: string[]; counts: number[]; frames: number }> {
  const files: string[] = [];
  const counts: number[] = [];
  let frames = 0;
  for (const name of readdirSync(segmentsDir)
    .filter((n) => /^seg_\d+\.mp4$/.test(n))
    .sort()) {
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
