/**
 * The QC figures as one CSV table: a row for everything, each day or week, site, sonographer
 * and view, told apart by the first column, so that a spreadsheet can filter and pivot it.
 */
import type { QcFigures, QcStats, QcViewFigures } from '@loupe/protocol';

const HEADER = [
  'group',
  'id',
  'name',
  'exams',
  'completed',
  'completion_rate',
  'stills_judged',
  'retakes',
  'repeat_rate',
  'first_stills_judged',
  'first_stills_accepted',
  'first_pass_rate',
  'mean_score',
  'mean_turnaround_s',
  'mean_exam_s',
];

/** A field as RFC 4180 wants it; a leading =, +, - or @ is quoted away so a spreadsheet never runs it as a formula. */
function field(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(Math.round(value * 10_000) / 10_000);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function figureRow(group: string, id: string | null, name: string | null, f: QcFigures): (string | number | null)[] {
  return [
    group,
    id,
    name,
    f.exams,
    f.completed,
    f.completionRate,
    f.judged,
    f.retakes,
    f.repeatRate,
    f.firstJudged,
    f.firstAccepted,
    f.firstPassRate,
    f.meanScore,
    f.meanTurnaroundS,
    f.meanExamS,
  ];
}

function viewRow(v: QcViewFigures, lang: 'en' | 'zh'): (string | number | null)[] {
  const id = `${v.protocolKey}/${v.viewKey}`;
  return [
    'view',
    id,
    v.name[lang],
    v.exams,
    null,
    null,
    v.judged,
    v.retakes,
    v.repeatRate,
    v.firstJudged,
    v.firstAccepted,
    v.firstPassRate,
    v.meanScore,
    v.meanTurnaroundS,
    null,
  ];
}

/** UTF-8 with a byte-order mark: without it, Excel set to Chinese reads the file as GBK and garbles the names. */
export function qcCsv(stats: QcStats, lang: 'en' | 'zh'): string {
  const rows = [
    HEADER,
    figureRow('all', null, null, stats.totals),
    ...stats.series.map((s) => figureRow(stats.period.bucket, s.start, s.start, s)),
    ...stats.sites.map((s) => figureRow('site', s.id, s.name, s)),
    ...stats.sonographers.map((s) => figureRow('sonographer', s.id, s.name, s)),
    ...stats.views.map((v) => viewRow(v, lang)),
  ];
  return `\uFEFF${rows.map((r) => r.map(field).join(',')).join('\r\n')}\r\n`;
}

/** The file's name: what it holds and its period. */
export function qcCsvName(stats: QcStats): string {
  return `loupe-qc_${stats.period.from ?? 'start'}_${stats.period.to ?? 'now'}.csv`;
}
