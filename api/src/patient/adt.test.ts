import { describe, expect, it } from 'vitest';
import { Hl7Message } from '@medplum/core';
import { adt } from '../../test/adt-messages.ts';
import { ageInYears, readAdt } from './adt.ts';

const read = (text: string) => readAdt(Hl7Message.parse(text));
const base = { controlId: 'a1', bed: 'OR3^^1', mrn: 'MRN-4711', family: 'Wang', given: 'Li', birth: '19700315', sex: 'F' };

describe('readAdt', () => {
  it('reads the banner: the MR identifier (not the first), name, sex, birth date, bed and each allergy with its severity', () => {
    expect(
      read(
        adt({
          ...base,
          allergies: [
            ['Penicillin', 'SV'],
            ['Latex', ''],
          ],
        }),
      ),
    ).toEqual({
      bed: 'OR3^^1',
      controlId: 'a1',
      name: 'WANG, Li',
      sex: 'F',
      birthDate: '1970-03-15',
      mrn: 'MRN-4711',
      allergies: ['Penicillin (SV)', 'Latex'],
    });
  });

  it('refuses what it cannot use, with the reason', () => {
    expect(read(adt({ ...base, event: 'A03' }))).toEqual({ ack: 'AR', reason: 'Only ADT^A01 and ADT^A08 are taken here, not ADT^A03' });
    expect(read(adt({ ...base, bed: '' }))).toMatchObject({ ack: 'AE', reason: expect.stringContaining('PV1-3') });
    expect(read(adt({ ...base, family: '', given: '' }))).toMatchObject({ ack: 'AE', reason: expect.stringContaining('PID-5') });
    expect(read(adt({ ...base, sex: 'X' }))).toMatchObject({ ack: 'AE', reason: expect.stringContaining('PID-8') });
    expect(read(adt({ ...base, birth: '1970-03' }))).toMatchObject({ ack: 'AE', reason: expect.stringContaining('PID-7') });
    expect(read(adt({ ...base, birth: '19701345' }))).toMatchObject({ ack: 'AE', reason: expect.stringContaining('PID-7') });
    expect(read(adt(base).replace(/\rPID\|[^\r]*/, ''))).toMatchObject({ ack: 'AE', reason: expect.stringContaining('PID') });
  });
});

describe('ageInYears', () => {
  it('counts whole years, the birthday itself included', () => {
    expect(ageInYears('1970-03-15', new Date('2026-03-14T12:00:00Z'))).toBe(55);
    expect(ageInYears('1970-03-15', new Date('2026-03-15T00:00:00Z'))).toBe(56);
    expect(ageInYears('1970-03', new Date('2026-03-15T00:00:00Z'))).toBeNull();
    expect(ageInYears(null, new Date())).toBeNull();
  });
});
