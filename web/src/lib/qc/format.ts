/** How the QC page writes its figures in the reader's language; nothing to count is a dash. */
export type QcFormat = ReturnType<typeof qcFormat>;

export function qcFormat(locale: string) {
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  const count = new Intl.NumberFormat(locale);
  const seconds = new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 0 });
  const minutes = new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'short', maximumFractionDigits: 1 });
  const narrowSeconds = new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'narrow', maximumFractionDigits: 0 });
  const narrowMinutes = new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'narrow', maximumFractionDigits: 1 });
  const day = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const or =
    <T>(write: (v: T) => string) =>
    (v: T | null) =>
      v === null ? '—' : write(v);
  return {
    count: (v: number) => count.format(v),
    rate: or((v: number) => percent.format(v)),
    score: or((v: number) => decimal.format(v)),
    /** Seconds, or minutes past two of them. */
    duration: or((s: number) => (s < 120 ? seconds.format(s) : minutes.format(s / 60))),
    /** The same, as short as the language writes it ("30s", "2m"), for a chart's axis. */
    shortDuration: (s: number) => (s < 120 ? narrowSeconds.format(s) : narrowMinutes.format(s / 60)),
    /** A series bucket's first day (`YYYY-MM-DD`, a calendar day: no time zone moves it). */
    day: (iso: string) => day.format(new Date(`${iso}T00:00:00Z`)),
  };
}
