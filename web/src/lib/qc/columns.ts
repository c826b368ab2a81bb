import type { QcStats } from '@loupe/protocol';
import { m } from '$lib/paraglide/messages.js';
import type { QcFormat } from './format.ts';

/** A figure column of a QC table: its heading and how a row's figure is written. */
export type QcColumn<Row> = { heading: string; cell: (row: Row) => string };

type ViewRow = QcStats['views'][number];
type GroupRow = QcStats['sites'][number];
/** What a view's row and a site's or a sonographer's both have. */
type QualityRow = Pick<ViewRow & GroupRow, 'firstPassRate' | 'repeatRate' | 'meanScore' | 'meanTurnaroundS'>;

/** The figures both tables share after their counts: how well the views were taken, and how fast reviewed. */
function qualityColumns(fmt: QcFormat): QcColumn<QualityRow>[] {
  return [
    { heading: m.qc_firstPass(), cell: (r) => fmt.rate(r.firstPassRate) },
    { heading: m.qc_repeatRate(), cell: (r) => fmt.rate(r.repeatRate) },
    { heading: m.qc_meanScore(), cell: (r) => fmt.score(r.meanScore) },
    { heading: m.qc_meanTurnaround(), cell: (r) => fmt.duration(r.meanTurnaroundS) },
  ];
}

/** Per view: how often each view was taken and how well. */
export function viewColumns(fmt: QcFormat): QcColumn<ViewRow>[] {
  return [{ heading: m.qc_exams(), cell: (v) => fmt.count(v.exams) }, { heading: m.qc_stills(), cell: (v) => fmt.count(v.stills) }, ...qualityColumns(fmt)];
}

/** Per site or per sonographer: whole exams, not views. */
export function groupColumns(fmt: QcFormat): QcColumn<GroupRow>[] {
  return [
    { heading: m.qc_exams(), cell: (g) => fmt.count(g.exams) },
    { heading: m.qc_completion(), cell: (g) => fmt.rate(g.completionRate) },
    ...qualityColumns(fmt),
    { heading: m.qc_meanExamTime(), cell: (g) => fmt.duration(g.meanExamS) },
  ];
}
