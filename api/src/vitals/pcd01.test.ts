import { describe, expect, it } from 'vitest';
import { Hl7Message } from '@medplum/core';
import { GE_ICU12, LEADS_OFF, MINDRAY_OR3 } from '../../test/pcd01-messages.ts';
import { hl7Time, readPcd01 } from './pcd01.ts';

const NOW = Date.UTC(2026, 11, 6, 13);
const read = (text: string) => readPcd01(Hl7Message.parse(text), NOW);

describe('PCD-01 ORU^R01', () => {
  it('reads every parameter of a full message, ECG heart rate before pulse rate, NIBP from the cuff', () => {
    expect(read(MINDRAY_OR3)).toEqual({
      deviceIds: ['OR3^^1', '00A037009B000001'],
      t: Date.UTC(2026, 11, 6, 12),
      values: { hr: 72, spo2: 98, nibpSys: 118, nibpDia: 76, nibpMean: 90, rr: 14, temp: 36.8, etco2: 38 },
    });
  });

  it('converts °F and kPa, takes CO₂ respiration rate, and does not show an arterial line as NIBP', () => {
    const reading = read(GE_ICU12);
    expect(reading).toMatchObject({ deviceIds: ['ICU^^B12', '080019FFFE1443EC'], values: { hr: 131, temp: 38.5, etco2: 38.3, rr: 22 } });
    expect('values' in reading && reading.values.nibpSys).toBeFalsy();
    // No zone in the times: the listener's local time.
    expect('t' in reading && reading.t).toBe(new Date(2026, 11, 6, 12, 5).getTime());
  });

  it('leaves out "no reading" sentinels and values the monitor could not obtain', () => {
    expect(read(LEADS_OFF)).toMatchObject({ values: { spo2: 97 } });
    expect('values' in read(LEADS_OFF) && Object.keys((read(LEADS_OFF) as { values: object }).values)).toEqual(['spo2']);
  });

  it('refuses with the reason: another message type (AR), a value that is not a number, a wrong unit, no monitor id, nothing shown (AE)', () => {
    expect(read(MINDRAY_OR3.replace('ORU^R01^ORU_R01', 'ADT^A01^ADT_A01'))).toEqual({ ack: 'AR', reason: 'Only ORU^R01 is taken here, not ADT^A01' });
    expect(read(MINDRAY_OR3.replace('|72|', '|7x2|'))).toEqual({ ack: 'AE', reason: 'OBX 2 (MDC_ECG_HEART_RATE): "7x2" is not a number' });
    expect(read(MINDRAY_OR3.replace('|98|262688^MDC_DIM_PERCENT^MDC', '|98|266016^MDC_DIM_MMHG^MDC'))).toMatchObject({
      ack: 'AE',
      reason: expect.stringContaining('unit "266016^MDC_DIM_MMHG"'),
    });
    const anonymous = MINDRAY_OR3.replace('PV1||I|OR3^^1', 'PV1||I|').replaceAll('00A037009B000001^EUI-64', '');
    expect(read(anonymous)).toMatchObject({ ack: 'AE', reason: expect.stringContaining('No bed (PV1-3) or device (OBX-18)') });
    const noVitals = MINDRAY_OR3.split('\r')
      .filter((s) => !s.startsWith('OBX|') || s.startsWith('OBX|1|'))
      .join('\r');
    expect(read(noVitals)).toMatchObject({ ack: 'AE', reason: expect.stringContaining('No vital sign') });
  });

  it('reads HL7 times with and without a zone and fractions', () => {
    expect(hl7Time('20261206120000.250+0100')).toBe(Date.UTC(2026, 11, 6, 11, 0, 0, 250));
    expect(hl7Time('20261206')).toBe(new Date(2026, 11, 6).getTime());
    expect(hl7Time('yesterday')).toBeUndefined();
  });
});
