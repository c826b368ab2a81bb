import { describe, expect, it } from 'vitest';
import { DEFAULT_VITALS_LIMITS, VITALS_HISTORY_MS, type VitalsMoment } from '@loupe/protocol';
import { vitalsAt } from './vitals-replay.ts';

const limits = { ...DEFAULT_VITALS_LIMITS, hr: { low: 40, high: 150 } };
const moments: VitalsMoment[] = [
  { mediaMs: 1000, values: { hr: 70, spo2: 98 }, limits: DEFAULT_VITALS_LIMITS },
  { mediaMs: 3000, values: { hr: 72 } },
  { mediaMs: 5000, values: { hr: 131, spo2: 86 }, limits },
];

describe('the monitor strip of a case', () => {
  it('shows the values of the moment: none before the first, each parameter’s last at or before the playhead', () => {
    expect(vitalsAt(moments, 500)).toMatchObject({ shown: true, latest: {}, now: 500 });
    expect(vitalsAt(moments, 3000).latest).toEqual({ hr: { value: 72, t: 3000, seenAt: 3000 }, spo2: { value: 98, t: 1000, seenAt: 1000 } });
    expect(vitalsAt(moments, 4999).latest.hr?.value).toBe(72);
    expect(vitalsAt(moments, 5000).latest).toMatchObject({ hr: { value: 131 }, spo2: { value: 86 } });
  });

  it('colours by the limits in force at the moment, and trends over the history span before it', () => {
    expect(vitalsAt(moments, 4000).limits).toEqual(DEFAULT_VITALS_LIMITS);
    expect(vitalsAt(moments, 6000).limits).toEqual(limits);
    expect(vitalsAt(moments, 6000).history.hr?.map((s) => s.value)).toEqual([70, 72, 131]);
    expect(vitalsAt(moments, 2000 + VITALS_HISTORY_MS).history.hr?.map((s) => s.value)).toEqual([72, 131]);
  });

  it('a case without a monitor shows no strip', () => {
    expect(vitalsAt([], 1000).shown).toBe(false);
  });
});
