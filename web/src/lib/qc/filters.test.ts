import { describe, expect, it } from 'vitest';
import { filtersHref, readFilters } from './filters.ts';

const today = new Date(2026, 11, 6, 15, 0);
const read = (search: string) => readFilters(new URLSearchParams(search), today);

describe('the QC page’s filters', () => {
  it('default to the last 30 days, today included', () => {
    expect(read('')).toEqual({ site: '', sonographer: '', protocol: '', from: '2026-11-07', to: '2026-12-06', period: '30d' });
  });

  it('turn a preset into days, and all time into none', () => {
    expect(read('period=7d')).toMatchObject({ from: '2026-11-30', to: '2026-12-06', period: '7d' });
    expect(read('period=all')).toMatchObject({ from: '', to: '', period: 'all' });
    expect(read('period=nonsense')).toMatchObject({ period: '30d' });
  });

  it('take days given over a preset, and drop a day that is not one', () => {
    expect(read('period=7d&from=2026-01-01&to=2026-01-31')).toMatchObject({ from: '2026-01-01', to: '2026-01-31', period: 'custom' });
    expect(read('from=2026-02-30x&to=2026-01-31')).toMatchObject({ from: '', to: '2026-01-31', period: 'custom' });
  });

  it('keep the other filters when a preset is chosen, and the URL short for the default', () => {
    const chosen = read('site=s1&protocol=efast&from=2026-01-01&to=2026-01-31');
    expect(filtersHref(chosen, { period: '90d' })).toBe('/qc?site=s1&protocol=efast&period=90d');
    expect(filtersHref(chosen, { period: '30d' })).toBe('/qc?site=s1&protocol=efast');
    expect(filtersHref(chosen)).toBe('/qc?site=s1&protocol=efast&from=2026-01-01&to=2026-01-31');
  });
});
