import { describe, expect, it } from 'vitest';
import { CaseEdit } from '@loupe/protocol';
import { dayOf, keepUntilRange, startOfDay } from './keep-until.ts';

describe('the keep-until date input', () => {
  it('shows the day a case is deleted, and turns a chosen day back into the moment it begins', () => {
    const day = dayOf('2036-05-01T14:30:00Z');
    expect(dayOf(startOfDay(day))).toBe(day);
    expect(new Date(startOfDay(day)).getHours()).toBe(0);
  });

  it('offers exactly the days the api accepts', () => {
    const { min, max } = keepUntilRange();
    const accepted = (day: string) => CaseEdit.safeParse({ retainUntil: startOfDay(day) }).success;
    expect(accepted(min)).toBe(true);
    expect(accepted(max)).toBe(true);
    expect(accepted(dayOf(new Date().toISOString()))).toBe(false);
    const [y, m, d] = max.split('-').map(Number);
    expect(accepted(dayOf(new Date(y!, m! - 1, d! + 1).toISOString()))).toBe(false);
  });
});
