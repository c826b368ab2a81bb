/**
 * Quality-control statistics of guided ultrasound exams (api/src/qc/stats.ts computes them):
 * what the QC page asks for and what it gets. The definitions of each figure are on the api's
 * query functions; rates are fractions 0–1, times are seconds, and a figure with nothing to
 * count is null rather than 0.
 */
import { z } from 'zod';
import { Words } from './scan-protocols.ts';

export const QC_BUCKETS = ['day', 'week'] as const;
export type QcBucket = (typeof QC_BUCKETS)[number];

/** The turnaround histogram's upper bounds in seconds; the last bucket is open. */
export const TURNAROUND_BOUNDS_S = [30, 60, 120, 300, 900] as const;

export const QcQuery = z
  .object({
    site: z.uuid().optional(),
    sonographer: z.uuid().optional(),
    /** A protocol key: every version of it. */
    protocol: z
      .string()
      .regex(/^[a-z0-9_-]{1,48}$/)
      .optional(),
    /** First and last day of the period, both included, in the reader's time zone (`utcOffset`). */
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    /** The reader's offset from UTC in minutes (China: 480): where days begin, for the period and the series. */
    utcOffset: z.coerce.number().int().min(-720).max(840).default(0),
    /** The series' step; by default a day for periods up to 62 days, else a week (weeks start on Monday). */
    bucket: z.enum(QC_BUCKETS).optional(),
    /** The language of view names in the CSV. */
    lang: z.enum(['en', 'zh']).default('en'),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'The period ends before it begins', path: ['to'] });
export type QcQuery = z.infer<typeof QcQuery>;

/** What the reviewing of stills came to, the same for a whole selection and for one view. */
const REVIEW_FIGURES = {
  /** Capture stills that have a verdict (accepted or retake). */
  judged: z.number(),
  retakes: z.number(),
  repeatRate: z.number().nullable(),
  /** Exam-views whose first still has a verdict, and how many of those were accepted. */
  firstJudged: z.number(),
  firstAccepted: z.number(),
  firstPassRate: z.number().nullable(),
  meanScore: z.number().nullable(),
  meanTurnaroundS: z.number().nullable(),
};

/** Figures of a group of exams: all of them, one site, one sonographer, one day or week. */
export const QcFigures = z
  .object({
    exams: z.number(),
    completed: z.number(),
    completionRate: z.number().nullable(),
    ...REVIEW_FIGURES,
    meanExamS: z.number().nullable(),
  })
  .meta({ id: 'QcFigures' });
export type QcFigures = z.infer<typeof QcFigures>;

export const QcViewFigures = z
  .object({
    protocolKey: z.string(),
    viewKey: z.string(),
    /** From the latest protocol version that has the view. */
    name: Words,
    /** Exams with at least one still of the view. */
    exams: z.number(),
    stills: z.number(),
    accepted: z.number(),
    ...REVIEW_FIGURES,
  })
  .meta({ id: 'QcViewFigures' });
export type QcViewFigures = z.infer<typeof QcViewFigures>;

/** Mean, and nearest-rank median and 90th percentile, in seconds. */
export const QcSpread = z
  .object({ count: z.number(), meanS: z.number().nullable(), medianS: z.number().nullable(), p90S: z.number().nullable() })
  .meta({ id: 'QcSpread' });
export type QcSpread = z.infer<typeof QcSpread>;

const Named = z.object({ id: z.string().nullable(), name: z.string().nullable() });

export const QcStats = z
  .object({
    /** The period the figures cover, as asked (null: from the first exam, or up to the last). */
    period: z.object({ from: z.string().nullable(), to: z.string().nullable(), bucket: z.enum(QC_BUCKETS), utcOffset: z.number() }),
    totals: QcFigures,
    turnaround: QcSpread,
    /** Stills in each bucket of TURNAROUND_BOUNDS_S, by how soon their verdict came: within 30 s, 30–60 s, …, after 900 s. */
    turnaroundHistogram: z.array(z.number()),
    examTime: QcSpread,
    views: z.array(QcViewFigures),
    /** Every day or week of the period (or of the exams' span), empty ones included; `start` is its first day. */
    series: z.array(QcFigures.extend({ start: z.string() })),
    /** A null id: exams of no site, or of no known sonographer. */
    sites: z.array(QcFigures.extend(Named.shape)),
    sonographers: z.array(QcFigures.extend(Named.shape)),
    /** What the reader may filter by: the sites, sonographers and protocols of the exams they may see. */
    choices: z.object({
      sites: z.array(z.object({ id: z.string(), name: z.string() })),
      sonographers: z.array(z.object({ id: z.string(), name: z.string() })),
      protocols: z.array(z.object({ key: z.string(), name: Words })),
    }),
  })
  .meta({ id: 'QcStats' });
export type QcStats = z.infer<typeof QcStats>;
