/**
 * The monitor strip of a case at a moment of its video: the values the room had then, from the
 * track's `vitals` events (recorder/src/room-recorder.ts writes them as the packets arrive).
 * Times on this strip are the case's own: `seenAt` and `now` are positions on the timeline, so a
 * monitor that fell silent in the recording greys on replay at the same moment it did live.
 */
import { DEFAULT_VITALS_LIMITS, VITALS_HISTORY_MS, VITAL_PARAMETERS, type VitalParameter, type VitalSample, type VitalsMoment } from '@loupe/protocol';
import type { Latest, VitalsView } from './vitals-view.ts';

/** The strip at `ms` on the case's timeline; `moments` in timeline order (vitalsMoments). */
export function vitalsAt(moments: readonly VitalsMoment[], ms: number): VitalsView {
  let limits = DEFAULT_VITALS_LIMITS;
  const history: Partial<Record<VitalParameter, VitalSample[]>> = {};
  const latest: Partial<Record<VitalParameter, Latest>> = {};
  for (const moment of moments) {
    if (moment.mediaMs > ms) break;
    if (moment.limits) limits = moment.limits;
    for (const p of VITAL_PARAMETERS) {
      const value = moment.values[p];
      if (value === undefined) continue;
      latest[p] = { value, t: moment.mediaMs, seenAt: moment.mediaMs };
      if (moment.mediaMs >= ms - VITALS_HISTORY_MS) (history[p] ??= []).push({ t: moment.mediaMs, value });
    }
  }
  return { shown: moments.length > 0, limits, history, latest, now: ms };
}
