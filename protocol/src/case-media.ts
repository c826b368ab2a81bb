/**
 * Where a recording's files live, by name: the recorder writes them, the api serves and deletes
 * them, the case player asks for them. Paths are relative to the media directory, with `/`
 * (a later object store takes them as object names as they are); each process joins them to its
 * own root. Ids are checked before they get here: nothing from a request is a path.
 */

/** A finished case's files, served through the api behind the case's access check. */
export const CASE_FILES = {
  video: 'case.mp4',
  poster: 'poster.jpg',
  thumbnails: 'thumbnails.jpg',
  annotations: 'annotations.json',
} as const;
export type CaseFile = (typeof CASE_FILES)[keyof typeof CASE_FILES];
export const CASE_FILE_NAMES = Object.values(CASE_FILES) as [CaseFile, ...CaseFile[]];

/**
 * Theatre's other pictures (issue 16): one video per source beside `case.mp4`, numbered in the
 * order the recording met them. The annotation track lists them (case-track.ts `sources`) with
 * their source id, label and where each starts on the case's timeline.
 */
export type SourceVideoFile = `source-${number}.mp4`;
export const SOURCE_VIDEO_FILE = /^source-\d{1,3}\.mp4$/;
/** The file of the `n`th source a recording kept besides the main picture. */
export function sourceVideoFile(n: number): SourceVideoFile {
  if (!Number.isInteger(n) || n < 0 || n > 999) throw new Error(`bad source video number: ${n}`);
  return `source-${n}.mp4`;
}
/** Any file a case's media route serves: one of CASE_FILES, or a source's video. */
export type CaseMediaFile = CaseFile | SourceVideoFile;
export function caseMediaType(file: CaseMediaFile): string {
  return SOURCE_VIDEO_FILE.test(file) ? 'video/mp4' : CASE_FILE_TYPES[file as CaseFile];
}

export const CASE_FILE_TYPES: Record<CaseFile, string> = {
  'case.mp4': 'video/mp4',
  'poster.jpg': 'image/jpeg',
  'thumbnails.jpg': 'image/jpeg',
  'annotations.json': 'application/json',
};

/** A recording's folder: what it captures while it runs, and the case it becomes. */
export function recordingFolder(recordingId: string): string {
  return `recordings/${recordingId}`;
}

/** Everything the recorder writes for one recording, relative to the media directory. */
export function recordingFiles(recordingId: string) {
  const dir = recordingFolder(recordingId);
  return {
    dir,
    /** Video segments as they are written, `seg_00000.mp4` on. */
    segments: `${dir}/segments`,
    /**
     * The sound as raw PCM in two-second slices, `slice_00000.pcm` on, like the segments: each is
     * stored as it closes, and it survives a crash byte for byte.
     */
    sound: `${dir}/sound`,
    /** The event log (ops, joins, pauses, skips) on the recording's timeline. */
    events: `${dir}/events.jsonl`,
    /** A source's segments, the `n`th besides the main picture, as they are written. */
    sourceSegments: (n: number) => `${dir}/sources/${n}`,
    caseFile: (file: CaseMediaFile) => `${dir}/${file}`,
  };
}

/** Where a page fetches a case's file (through the api, behind its access check). */
export function caseMediaUrl(caseId: string, file: CaseMediaFile): string {
  return `/api/cases/${encodeURIComponent(caseId)}/media/${file}`;
}

/** A still's PNG, byte for byte as the scan room uploaded it (protocol/src/exams.ts). */
export function stillFile(stillId: string): string {
  return `stills/${stillId}.png`;
}

/** Where a page loads a still: through the api, behind the still's access check. */
export function stillUrl(stillId: string): string {
  return `/api/stills/${encodeURIComponent(stillId)}/image`;
}
