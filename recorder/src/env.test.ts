import { describe, expect, it } from 'vitest';
import { parseRecorderConfig } from './env.ts';

const required = { LOUPE_RECORDER_TOKEN: 'r'.repeat(32), LIVEKIT_API_KEY: 'devkey', LIVEKIT_API_SECRET: 's'.repeat(32) };

describe('a recorder worker’s capacity', () => {
  it('is its CPU budget over one stream’s cost, whole streams only', () => {
    expect(parseRecorderConfig({ ...required, LOUPE_RECORDER_CPU_BUDGET: '1.6', LOUPE_RECORDER_STREAM_CPU: '0.35' }).slots).toBe(4);
    expect(parseRecorderConfig({ ...required, LOUPE_RECORDER_CPU_BUDGET: '0.7', LOUPE_RECORDER_STREAM_CPU: '0.35' }).slots).toBe(2);
  });

  it('refuses a budget below one stream: such a worker would never record', () => {
    expect(() => parseRecorderConfig({ ...required, LOUPE_RECORDER_CPU_BUDGET: '0.2' })).toThrow(
      /LOUPE_RECORDER_CPU_BUDGET \(0.2 cores\) is less than one stream's cost/,
    );
  });

  it('is named by LOUPE_RECORDER_ID, or by its host and pid; a name with spaces is refused', () => {
    expect(parseRecorderConfig({ ...required, LOUPE_RECORDER_ID: 'rec-1.ward-3' }).workerId).toBe('rec-1.ward-3');
    expect(parseRecorderConfig(required).workerId).toMatch(new RegExp(`-${process.pid}$`));
    expect(() => parseRecorderConfig({ ...required, LOUPE_RECORDER_ID: 'two words' })).toThrow(/LOUPE_RECORDER_ID/);
  });
});
