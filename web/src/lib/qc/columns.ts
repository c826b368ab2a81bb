import type { QcStats } from '@loupe/protocol';
import { m } from '$lib/paraglide/messages.js';
import type { QcFormat } from './format.ts';

/** A figure column of a QC table: its heading and how a row's figure is written. */
export type QcColumn<Row> = { heading: string; cell: (row: Row) => string };

type ViewRow = QcStats['views'][number];
type GroupRow = QcStats['sites'][number];

/** Per view: how often each view was taken and how well. */
export function viewColumns(fmt: QcFormat): QcColumn<ViewRow>[] {
  return [
    { heading: m.qc_exams(), cell: (v) => fmt.count(v.exams) },
    { heading: m.qc_stills(), cell: (v) => fmt.count(v.stills) },
    { heading: m.qc_firstPass(), cell: (v) => fmt.rate(v.firstPassRate) },
    { heading: m.qc_repeatRate(), cell: (v) => fmt.rate(v.repeatRate) },
    { heading: m.qc_meanScore(), cell: (v) => fmt.score(v.meanScore) },
    { heading: m.qc_meanTurnaround(), cell: (v) => fmt.duration(v.meanTurnaroundS) },
  ];
}

/** Per site or per sonographer: whole exams, not views. */
export function groupColumns(fmt: QcFormat): QcColumn<GroupRow>[] {
  return [
    { heading: m.qc_exams(), cell: (g) => fmt.count(g.exams) },
    { heading: m.qc_completion(), cell: (g) => fmt.rate(g.completionRate) },
    { heading: m.qc_firstPass(), cell: (g) => fmt.rate(g.firstPassRate) },
    { heading: m.qc_repeatRate(), cell: (g) => fmt.rate(g.repeatRate) },
    { heading: m.qc_meanScore(), cell: (g) => fmt.score(g.meanScore) },
    { heading: m.qc_meanTurnaround(), cell: (g) => fmt.duration(g.meanTurnaroundS) },
    { heading: m.qc_meanExamTime(), cell: (g) => fmt.duration(g.meanExamS) },
  ];
}
