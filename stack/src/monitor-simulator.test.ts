import { Hl7Message } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VITALS_LIMITS, VITAL_PARAMETERS, outOfLimits } from '@loupe/protocol';
import { DEFAULT_EPISODE, episodeDepth, oruR01, simulatedValues } from './monitor-simulator.ts';

const alarmsAt = (ms: number) => VITAL_PARAMETERS.filter((p) => outOfLimits(simulatedValues(ms)[p], DEFAULT_VITALS_LIMITS[p]));

describe('the monitor simulator', () => {
  it('drifts within the adult limits outside its episode, and changes from message to message', () => {
    const calm = Array.from({ length: 30 }, (_, i) => i * 2000);
    for (const ms of calm) expect(alarmsAt(ms), `at ${ms} ms`).toEqual([]);
    expect(new Set(calm.map((ms) => simulatedValues(ms).hr)).size).toBeGreaterThan(3);
  });

  it('desaturates in its episode: SpO₂ below 90 and a tachycardia at the worst, then recovers', () => {
    const worst = DEFAULT_EPISODE.first + DEFAULT_EPISODE.lasts / 2;
    expect(episodeDepth(worst, DEFAULT_EPISODE)).toBeCloseTo(1);
    expect(simulatedValues(worst).spo2).toBeLessThan(88);
    expect(alarmsAt(worst)).toEqual(expect.arrayContaining(['spo2', 'hr']));
    expect(alarmsAt(DEFAULT_EPISODE.first + DEFAULT_EPISODE.lasts + 5000)).toEqual([]);
    expect(alarmsAt(worst + DEFAULT_EPISODE.every)).toContain('spo2');
  });

  it('writes a PCD-01 ORU^R01 an HL7 parser reads: bed in PV1-3, MDC codes and values in OBX', () => {
    const text = oruR01({ bed: 'OR1^^1', controlId: 'C1', at: new Date('2026-12-06T12:00:00Z'), values: { hr: 72, spo2: 97 } });
    const message = Hl7Message.parse(text);
    expect(message.getSegment('MSH')!.getField(9).toString()).toBe('ORU^R01^ORU_R01');
    expect(message.getSegment('PV1')!.getField(3).toString()).toBe('OR1^^1');
    const obx = message.getAllSegments('OBX').filter((s) => s.getField(2).toString() === 'NM');
    expect(obx.map((s) => [s.getField(3).getComponent(2), s.getField(5).toString()])).toEqual([
      ['MDC_ECG_HEART_RATE', '72'],
      ['MDC_PULS_OXIM_SAT_O2', '97'],
    ]);
  });
});
