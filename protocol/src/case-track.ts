/**
 * A case's annotation track (`annotations.json`): what the recorder writes when a recording
 * becomes a case, and what the case player replays. Versioned: a track the player cannot read
 * says so on screen, never plays as a case without drawings.
 */
import { z } from 'zod';
import { AnnotationOp } from './annotation.ts';
import { VitalValues, VitalsLimits } from './vitals.ts';
import { SOURCE_VIDEO_FILE, type SourceVideoFile } from './case-media.ts';
import { MAX_SOURCE_LABEL, SourceId } from './sources.ts';

export const CASE_TRACK_VERSION = 1;

/**
 * One moment of the case: an op (with who sent it; `snapshot` when it came from a late catch-up
 * rather than live), a still that arrived (`still`, with its `stillId`), the patient monitor's
 * values as the room got them (`vitals`: `values`, observed at `t`, and `limits` when the
 * session changed its alarm limits), or a pause, resume, gap or stop the recorder logged, on the
 * case's timeline.
 *
 * Still and vitals events came after version 1 and leave it as it was: a reader skips event
 * types it does not know, so an older player plays a newer track whole; a track recorded before
 * them has none (the api places those stills by its own clock instead).
 */
export const TrackEvent = z.looseObject({
  mediaMs: z.number().min(0),
  type: z.string().min(1),
  op: AnnotationOp.optional(),
  stillId: z.uuid().optional(),
  t: z.number().optional(),
  values: VitalValues.optional(),
  limits: VitalsLimits.optional(),
});
export type TrackEvent = z.infer<typeof TrackEvent>;

export const GAP_KINDS = ['restart', 'no_picture', 'degraded'] as const;

/**
 * A stretch of the case where the recording was not whole, and why: media a crash lost
 * (`restart`), theatre's picture away while recording waited for it (`no_picture`), the
 * recorder too slow to keep every frame (`degraded`).
 */
export const Gap = z.object({ atMs: z.number().min(0), kind: z.enum(GAP_KINDS), ms: z.number().min(0) });
export type Gap = z.infer<typeof Gap>;

/**
 * One of theatre's other pictures, kept as its own video (`file`, case-media.ts) on the case's
 * timeline: its frame at `t` seconds of the file is the one on screen at `startMs / 1000 + t` of
 * `case.mp4`. Before `startMs` and after its end the source was not there yet or any more; while
 * it was away in between, the file holds black.
 */
export const CaseSource = z.object({
  id: SourceId,
  label: z.string().max(MAX_SOURCE_LABEL),
  file: z.custom<SourceVideoFile>((v) => typeof v === 'string' && SOURCE_VIDEO_FILE.test(v), 'not a source video’s name'),
  startMs: z.number().min(0),
  durationMs: z.number().min(0),
});
export type CaseSource = z.infer<typeof CaseSource>;

/**
 * `main`: the source id `case.mp4` holds (theatre's main picture), and `sources` the others
 * (issue 16). A case recorded before either has neither: one picture, every mark on it.
 */
export const CaseTrack = z.object({
  v: z.literal(CASE_TRACK_VERSION),
  durationMs: z.number().min(0),
  events: z.array(TrackEvent),
  gaps: z.array(Gap).default([]),
  main: SourceId.nullable().optional(),
  mainLabel: z.string().max(MAX_SOURCE_LABEL).optional(),
  sources: z.array(CaseSource).max(64).optional(),
});
export type CaseTrack = z.infer<typeof CaseTrack>;

/** A `vitals` event of the track: where it sits on the case's timeline and what the monitor said. */
export type VitalsMoment = { mediaMs: number; values: VitalValues; limits?: VitalsLimits };

/** The track's monitor values in timeline order (empty: the session had no monitor). */
export function vitalsMoments(track: CaseTrack): VitalsMoment[] {
  return track.events
    .flatMap((e) =>
      e.type === 'vitals' && (e.values || e.limits) ? [{ mediaMs: e.mediaMs, values: e.values ?? {}, ...(e.limits ? { limits: e.limits } : {}) }] : [],
    )
    .sort((a, b) => a.mediaMs - b.mediaMs);
}

/** Where each still that arrived during the recording sits on the case's timeline, by still id. */
export function stillMoments(track: CaseTrack): Map<string, number> {
  return new Map(track.events.flatMap((e) => (e.type === 'still' && e.stillId ? [[e.stillId, Math.min(e.mediaMs, track.durationMs)] as const] : [])));
}
