import type { PacsState, RetakeReason, Still, Verdict, ViewProgress, Words } from '@loupe/protocol';
import { m } from '../paraglide/messages.js';
import { getLocale } from '../paraglide/runtime.js';

/** A protocol's words (view names, acceptance texts) in the reader's language. */
export const words = (w: Words): string => (getLocale() === 'zh' ? w.zh : w.en);

export const REASON = {
  wrong_plane: m.exam_reason_wrong_plane,
  incomplete_anatomy: m.exam_reason_incomplete_anatomy,
  gain_depth: m.exam_reason_gain_depth,
  artefact: m.exam_reason_artefact,
  motion: m.exam_reason_motion,
  measurement_missing: m.exam_reason_measurement_missing,
  other: m.exam_reason_other,
} satisfies Record<RetakeReason, () => string>;

/** The ACEP quality scale's words, by score. */
export const SCORE = { 1: m.exam_score_1, 2: m.exam_score_2, 3: m.exam_score_3, 4: m.exam_score_4, 5: m.exam_score_5 } satisfies Record<
  1 | 2 | 3 | 4 | 5,
  () => string
>;

export const VERDICT = {
  pending: m.exam_verdict_pending,
  accepted: m.exam_verdict_accepted,
  retake: m.exam_verdict_retake,
} satisfies Record<Verdict, () => string>;

export const PACS = {
  none: m.exam_pacs_none,
  queued: m.exam_pacs_queued,
  sent: m.exam_pacs_sent,
  failed: m.exam_pacs_failed,
} satisfies Record<PacsState, () => string>;

/**
 * A still's verdict and, once it has one, where it is on its way to the PACS: "Accepted · PACS: sent".
 * Joined here, not in markup: Svelte trims the space at the start of an `{#if}` block ("Accepted· PACS").
 */
export const stillStatus = (still: Pick<Still, 'verdict' | 'pacs'>): string =>
  still.verdict === 'pending' ? VERDICT.pending() : `${VERDICT[still.verdict]()} · ${PACS[still.pacs.state]()}`;

/** Where a view stands, in words: accepted once it has its images, else waiting for review, else to take. */
export function viewState(p: ViewProgress): string {
  if (p.accepted >= Math.max(p.view.min, 1) && p.pending === 0) return m.exam_state_done();
  if (p.pending > 0) return m.exam_state_pending();
  return p.accepted > 0 ? m.exam_state_open() : m.exam_state_missing();
}

/** Whether a view has its accepted images (its row shows a tick). */
export const viewAccepted = (p: ViewProgress) => p.accepted >= Math.max(p.view.min, 1) && p.pending === 0;
