import type { VitalParameter, VitalSample, VitalsLimits } from '@loupe/protocol';

/** A parameter's newest value: `t` when the monitor observed it, `seenAt` when it arrived on the strip's clock. */
export type Latest = { value: number; t: number; seenAt: number };

/**
 * What the monitor strip shows, live (VitalsRoom: the room's packets, the page's clock) or in a
 * case (vitalsAt: the track's values, the playhead as the clock). A value whose `seenAt` is more
 * than VITALS_STALE_MS before `now` is shown as "no data since …".
 */
export type VitalsView = {
  readonly shown: boolean;
  readonly limits: VitalsLimits;
  readonly history: Partial<Record<VitalParameter, VitalSample[]>>;
  readonly latest: Partial<Record<VitalParameter, Latest>>;
  readonly now: number;
};
