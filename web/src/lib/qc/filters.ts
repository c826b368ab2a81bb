/**
 * The QC page's filters as they sit in its URL. A period is a preset (the last 7, 30, 90 or 365
 * days, or all time) or two days; days are `YYYY-MM-DD` on the web server's clock, which for
 * one centre is the clock on the wall (as the audit page's).
 */
export const QC_PRESETS = ['7d', '30d', '90d', '365d', 'all'] as const;
export type QcPreset = (typeof QC_PRESETS)[number];
const PRESET_DAYS: Record<Exclude<QcPreset, 'all'>, number> = { '7d': 7, '30d': 30, '90d': 90, '365d': 365 };
const DEFAULT_PRESET: QcPreset = '30d';

export type QcFilters = { site: string; sonographer: string; protocol: string; from: string; to: string; period: QcPreset | 'custom' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A local day as `YYYY-MM-DD`, `plusDays` from `day`. */
function localDay(day: Date, plusDays = 0): string {
  const d = new Date(day.getFullYear(), day.getMonth(), day.getDate() + plusDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The filters in `params`; with no days given, the preset's days up to `today`. */
export function readFilters(params: URLSearchParams, today = new Date()): QcFilters {
  const get = (name: string) => params.get(name)?.trim() ?? '';
  const day = (name: string) => (DAY.test(get(name)) ? get(name) : '');
  const chosen = { site: get('site'), sonographer: get('sonographer'), protocol: get('protocol') };
  if (day('from') || day('to')) return { ...chosen, from: day('from'), to: day('to'), period: 'custom' };
  const preset = (QC_PRESETS as readonly string[]).includes(get('period')) ? (get('period') as QcPreset) : DEFAULT_PRESET;
  if (preset === 'all') return { ...chosen, from: '', to: '', period: preset };
  return { ...chosen, from: localDay(today, 1 - PRESET_DAYS[preset]), to: localDay(today), period: preset };
}

/** The api query (`GET /qc/stats`) for these filters; days begin at the web server's midnight. */
export function qcQuery(f: QcFilters): Record<string, string> {
  const offsetAt = f.from ? new Date(`${f.from}T00:00:00`) : new Date();
  const query: Record<string, string> = { utcOffset: String(-offsetAt.getTimezoneOffset()) };
  for (const key of ['site', 'sonographer', 'protocol', 'from', 'to'] as const) if (f[key]) query[key] = f[key];
  return query;
}

/** The page's URL for these filters with some changed: the preset is kept unless days are given. */
export function filtersHref(f: QcFilters, change: Partial<QcFilters> = {}): string {
  const next = { ...f, ...change };
  const params = new URLSearchParams();
  for (const key of ['site', 'sonographer', 'protocol'] as const) if (next[key]) params.set(key, next[key]);
  if (next.period === 'custom') {
    if (next.from) params.set('from', next.from);
    if (next.to) params.set('to', next.to);
  } else if (next.period !== DEFAULT_PRESET) params.set('period', next.period);
  const search = params.toString();
  return search ? `/qc?${search}` : '/qc';
}

/** The CSV of the same figures, through the web's /api proxy, with view names in `lang`. */
export function csvHref(f: QcFilters, lang: string): string {
  return `/api/qc/stats.csv?${new URLSearchParams({ ...qcQuery(f), lang })}`;
}
