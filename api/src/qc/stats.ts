/**
 * QC statistics of guided ultrasound exams, computed in SQL over exams, stills and scan
 * protocols. Which exams count: those the reader may see (`QcScope`) that match the filters:
 * site (exams.site_id), sonographer (exams.sonographer_id), protocol (its key, any version) and
 * period (exams.started_at, from the first day's start to the last day's end in the reader's
 * time zone). Every status counts: running, signed and cancelled.
 *
 * Which stills count: the exam's `capture` stills of a protocol view; a mentor's freeze frames
 * are not an attempt at a view. The figures (protocol/src/qc.ts has their shape):
 * - **exams**: how many exams.
 * - **completed**: signed exams in which every required view of the exam's protocol version has
 *   at least its minimum of accepted stills. **completionRate** = completed ÷ exams, so running
 *   and cancelled exams count as not completed.
 * - **repeatRate** = stills with a `retake` verdict ÷ stills with a verdict (accepted or retake);
 *   pending stills are left out until judged.
 * - **firstPassRate** = exam-views whose first still (earliest captured_at) was accepted ÷
 *   exam-views whose first still has a verdict. An exam-view is one view in one exam.
 * - **meanScore**: mean score of accepted stills that have one.
 * - **turnaround**: verdict_at − captured_at of each judged still (retakes included); mean,
 *   nearest-rank median (the ⌈n/2⌉-th smallest) and 90th percentile (the ⌈0.9·n⌉-th).
 * - **examTime**: signed_at − the exam's first still's captured_at, for signed exams with a
 *   still; mean, median and 90th percentile as above.
 * Rates are null when nothing is there to divide by; so are means of nothing.
 */
import { sql, type SQL } from 'drizzle-orm';
import { TURNAROUND_BOUNDS_S, type QcBucket, type QcFigures, type QcQuery, type QcSpread, type QcStats, type QcViewFigures, type Words } from '@loupe/protocol';
import type { Db } from '../db/client.ts';

/** Which exams a reader may see: all, one site's, or those of the sessions they are a member of. */
export type QcScope = { kind: 'all' } | { kind: 'site'; siteId: string } | { kind: 'member'; userId: string };

const DAY_MS = 86_400_000;
/** Up to this many days the series goes by day, past it by week. */
const DAILY_UP_TO_DAYS = 62;

type Filters = Omit<QcQuery, 'lang'>;

/** The period in milliseconds since the epoch, [start, end), from the reader's days. */
export function periodOf(q: Pick<QcQuery, 'from' | 'to' | 'utcOffset'>): { start: number | null; end: number | null } {
  const offsetMs = q.utcOffset * 60_000;
  const dayStart = (date: string, plus = 0) => Date.parse(`${date}T00:00:00Z`) + plus * DAY_MS - offsetMs;
  return { start: q.from ? dayStart(q.from) : null, end: q.to ? dayStart(q.to, 1) : null };
}

function scopeCondition(scope: QcScope): SQL {
  if (scope.kind === 'site') return sql`x.site_id = ${scope.siteId}`;
  if (scope.kind === 'member') return sql`x.session_id IN (SELECT session_id FROM session_members WHERE user_id = ${scope.userId})`;
  return sql`1`;
}

/** The exams counted, as `x`: the scope and every filter. */
function examCondition(scope: QcScope, q: Filters): SQL {
  const { start, end } = periodOf(q);
  const parts = [scopeCondition(scope)];
  if (q.site) parts.push(sql`x.site_id = ${q.site}`);
  if (q.sonographer) parts.push(sql`x.sonographer_id = ${q.sonographer}`);
  if (q.protocol) parts.push(sql`x.protocol_key = ${q.protocol}`);
  if (start !== null) parts.push(sql`x.started_at >= ${start}`);
  if (end !== null) parts.push(sql`x.started_at < ${end}`);
  return sql.join(parts, sql` AND `);
}

/** The day number (days since 1970-01-01 in the reader's zone) of an exam's start, or of its week's Monday. */
function bucketOf(q: Filters, bucket: QcBucket): SQL {
  // CAST: a bound number may arrive as a REAL, and the division would keep the fraction.
  const day = sql`CAST((x.started_at + ${q.utcOffset * 60_000}) / ${DAY_MS} AS INTEGER)`;
  // Day 0 was a Thursday: (day + 3) % 7 is the days since Monday.
  return bucket === 'day' ? day : sql`(${day} - ((${day} + 3) % 7))`;
}

/** `e`: the exams counted, each with its group; `c`: their capture stills of a view, numbered in each exam-view by capture time. */
function examsAndStills(scope: QcScope, q: Filters, group: SQL): SQL {
  return sql`e AS (
      SELECT x.id, x.status, x.protocol_key, x.protocol_version, x.signed_at, ${group} AS grp
      FROM exams x WHERE ${examCondition(scope, q)}
    ),
    c AS (
      SELECT s.exam_id, s.view_key, s.verdict, s.score, s.captured_at, s.verdict_at, e.protocol_key, e.grp,
        ROW_NUMBER() OVER (PARTITION BY s.exam_id, s.view_key ORDER BY s.captured_at, s.rowid) AS nth
      FROM stills s JOIN e ON e.id = s.exam_id
      WHERE s.kind = 'capture' AND s.view_key IS NOT NULL
    )`;
}

/** Whether exam `e` is complete: signed, and each required view of its protocol version has its minimum accepted. */
const completeExam = sql`e.status = 'signed' AND NOT EXISTS (
    SELECT 1 FROM scan_protocols p, json_each(p.views) v
    WHERE p.key = e.protocol_key AND p.version = e.protocol_version AND json_extract(v.value, '$.required')
      AND (SELECT count(*) FROM c WHERE c.exam_id = e.id AND c.view_key = json_extract(v.value, '$.key') AND c.verdict = 'accepted')
        < json_extract(v.value, '$.min'))`;

type FigureRow = {
  grp: string | number;
  exams: number;
  completed: number | null;
  mean_exam_ms: number | null;
  judged: number | null;
  retakes: number | null;
  first_judged: number | null;
  first_accepted: number | null;
  mean_score: number | null;
  mean_turn_ms: number | null;
};

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

function figuresOf(row: FigureRow | undefined): QcFigures {
  const exams = row?.exams ?? 0;
  const completed = row?.completed ?? 0;
  const judged = row?.judged ?? 0;
  const retakes = row?.retakes ?? 0;
  const firstJudged = row?.first_judged ?? 0;
  const firstAccepted = row?.first_accepted ?? 0;
  return {
    exams,
    completed,
    completionRate: ratio(completed, exams),
    judged,
    retakes,
    repeatRate: ratio(retakes, judged),
    firstJudged,
    firstAccepted,
    firstPassRate: ratio(firstAccepted, firstJudged),
    meanScore: row?.mean_score ?? null,
    meanTurnaroundS: seconds(row?.mean_turn_ms ?? null),
    meanExamS: seconds(row?.mean_exam_ms ?? null),
  };
}

/** The figures of each group of exams, keyed by the group's value (`''` for none). */
async function figuresBy(db: Db, scope: QcScope, q: Filters, group: SQL): Promise<Map<string | number, QcFigures>> {
  const rows = await db.all<FigureRow>(sql`WITH ${examsAndStills(scope, q, group)},
    d AS (SELECT e.grp, (${completeExam}) AS complete,
            CASE WHEN e.status = 'signed' THEN e.signed_at - (SELECT min(c.captured_at) FROM c WHERE c.exam_id = e.id) END AS exam_ms
          FROM e),
    de AS (SELECT grp, count(*) AS exams, sum(complete) AS completed, avg(exam_ms) AS mean_exam_ms FROM d GROUP BY grp),
    ds AS (SELECT grp, sum(verdict <> 'pending') AS judged, sum(verdict = 'retake') AS retakes,
             sum(nth = 1 AND verdict <> 'pending') AS first_judged, sum(nth = 1 AND verdict = 'accepted') AS first_accepted,
             avg(CASE WHEN verdict = 'accepted' THEN score END) AS mean_score, avg(verdict_at - captured_at) AS mean_turn_ms
           FROM c GROUP BY grp)
    SELECT de.*, ds.judged, ds.retakes, ds.first_judged, ds.first_accepted, ds.mean_score, ds.mean_turn_ms
    FROM de LEFT JOIN ds ON ds.grp = de.grp`);
  return new Map(rows.map((r) => [r.grp, figuresOf(r)]));
}

type ViewRow = {
  protocol_key: string;
  view_key: string;
  name: string | null;
  position: number | null;
  exams: number;
  stills: number;
  judged: number;
  accepted: number;
  retakes: number;
  first_judged: number;
  first_accepted: number;
  mean_score: number | null;
  mean_turn_ms: number | null;
};

/** The latest version of the protocol that has the view, as `p` and `v`. */
const latestWithView = sql`FROM scan_protocols p, json_each(p.views) v
  WHERE p.key = c.protocol_key AND json_extract(v.value, '$.key') = c.view_key ORDER BY p.version DESC LIMIT 1`;

async function viewFigures(db: Db, scope: QcScope, q: Filters): Promise<QcViewFigures[]> {
  const rows = await db.all<ViewRow>(sql`WITH ${examsAndStills(scope, q, sql`''`)}
    SELECT c.protocol_key, c.view_key, count(DISTINCT c.exam_id) AS exams, count(*) AS stills,
      sum(verdict <> 'pending') AS judged, sum(verdict = 'accepted') AS accepted, sum(verdict = 'retake') AS retakes,
      sum(nth = 1 AND verdict <> 'pending') AS first_judged, sum(nth = 1 AND verdict = 'accepted') AS first_accepted,
      avg(CASE WHEN verdict = 'accepted' THEN score END) AS mean_score, avg(verdict_at - captured_at) AS mean_turn_ms,
      (SELECT json_extract(v.value, '$.name') ${latestWithView}) AS name,
      (SELECT v.key ${latestWithView}) AS position
    FROM c GROUP BY c.protocol_key, c.view_key
    ORDER BY c.protocol_key, position, c.view_key`);
  return rows.map((r) => ({
    protocolKey: r.protocol_key,
    viewKey: r.view_key,
    // A view key no version of the protocol has (a stray still) is named by its key.
    name: r.name ? (JSON.parse(r.name) as Words) : { en: r.view_key, zh: r.view_key },
    exams: r.exams,
    stills: r.stills,
    judged: r.judged,
    accepted: r.accepted,
    retakes: r.retakes,
    repeatRate: ratio(r.retakes, r.judged),
    firstJudged: r.first_judged,
    firstAccepted: r.first_accepted,
    firstPassRate: ratio(r.first_accepted, r.first_judged),
    meanScore: r.mean_score,
    meanTurnaroundS: seconds(r.mean_turn_ms),
  }));
}

/** Mean and nearest-rank median and 90th percentile of `values` (a query of one column `ms`, nulls left out). */
async function spreadOf(db: Db, values: SQL): Promise<QcSpread> {
  const row = await db.get<{ n: number; mean: number | null; median: number | null; p90: number | null }>(sql`WITH
    vals AS (SELECT ms FROM (${values}) WHERE ms IS NOT NULL),
    ranked AS (SELECT ms, ROW_NUMBER() OVER (ORDER BY ms) AS rn, count(*) OVER () AS n FROM vals)
    SELECT count(*) AS n, avg(ms) AS mean,
      max(CASE WHEN rn = (n + 1) / 2 THEN ms END) AS median,
      max(CASE WHEN rn = (9 * n + 9) / 10 THEN ms END) AS p90
    FROM ranked`);
  return { count: row?.n ?? 0, meanS: seconds(row?.mean ?? null), medianS: seconds(row?.median ?? null), p90S: seconds(row?.p90 ?? null) };
}

async function turnaroundHistogram(db: Db, scope: QcScope, q: Filters): Promise<number[]> {
  const edges = [0, ...TURNAROUND_BOUNDS_S.map((s) => s * 1000)];
  const columns = edges.map((low, i) => {
    const high = edges[i + 1];
    const test = high === undefined ? sql`ms >= ${low}` : sql`ms >= ${low} AND ms < ${high}`;
    return sql`coalesce(sum(${test}), 0) AS ${sql.raw(`b${i}`)}`;
  });
  const row = await db.get<Record<string, number>>(sql`WITH ${examsAndStills(scope, q, sql`''`)}
    SELECT ${sql.join(columns, sql`, `)} FROM (SELECT verdict_at - captured_at AS ms FROM c WHERE verdict_at IS NOT NULL)`);
  return edges.map((_, i) => row?.[`b${i}`] ?? 0);
}

/** What the reader may filter by, whatever the filters are now. */
async function choicesFor(db: Db, scope: QcScope): Promise<QcStats['choices']> {
  const visible = sql`SELECT x.* FROM exams x WHERE ${scopeCondition(scope)}`;
  const sites =
    scope.kind === 'all'
      ? await db.all<{ id: string; name: string }>(sql`SELECT id, name FROM sites ORDER BY name`)
      : scope.kind === 'site'
        ? await db.all<{ id: string; name: string }>(sql`SELECT id, name FROM sites WHERE id = ${scope.siteId}`)
        : [];
  const sonographers = await db.all<{ id: string; name: string }>(
    sql`SELECT DISTINCT u.id, u.name FROM (${visible}) e JOIN users u ON u.id = e.sonographer_id ORDER BY u.name`,
  );
  const protocols = await db.all<{ key: string; name: string }>(
    sql`SELECT p.key, p.name FROM scan_protocols p WHERE p.version = (SELECT max(version) FROM scan_protocols q WHERE q.key = p.key) ORDER BY p.key`,
  );
  return { sites, sonographers, protocols: protocols.map((p) => ({ key: p.key, name: JSON.parse(p.name) as Words })) };
}

const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const mondayOf = (day: number) => day - ((((day + 3) % 7) + 7) % 7);

/** Every bucket from the period's first day to its last (or the exams' span), empty ones as zeros. */
async function seriesOf(db: Db, scope: QcScope, q: Filters, bucket: QcBucket): Promise<QcStats['series']> {
  const byBucket = await figuresBy(db, scope, q, bucketOf(q, bucket));
  const seen = [...byBucket.keys()].map(Number);
  const first = q.from ? dayNumber(q.from) : seen.length ? Math.min(...seen) : null;
  const last = q.to ? dayNumber(q.to) : seen.length ? Math.max(...seen) : null;
  if (first === null || last === null) return [];
  const step = bucket === 'day' ? 1 : 7;
  const series: QcStats['series'] = [];
  for (let day = bucket === 'day' ? first : mondayOf(first); day <= last; day += step)
    series.push({ start: isoDay(day), ...figuresOf(undefined), ...byBucket.get(day) });
  return series;
}

/** The series' step: as asked, else by day for a period up to DAILY_UP_TO_DAYS days (an open period counts as long). */
function bucketFor(q: Filters): QcBucket {
  if (q.bucket) return q.bucket;
  if (!q.from || !q.to) return 'week';
  return dayNumber(q.to) - dayNumber(q.from) + 1 <= DAILY_UP_TO_DAYS ? 'day' : 'week';
}

async function namedGroups(db: Db, scope: QcScope, q: Filters, column: 'site_id' | 'sonographer_id', table: 'sites' | 'users') {
  const groups = await figuresBy(db, scope, q, sql.raw(`coalesce(x.${column}, '')`));
  const ids = [...groups.keys()].filter((id): id is string => typeof id === 'string' && id !== '');
  const names = ids.length
    ? await db.all<{ id: string; name: string }>(sql`SELECT id, name FROM ${sql.raw(table)} WHERE id IN (${sql.join(ids, sql`, `)})`)
    : [];
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  return [...groups]
    .map(([id, figures]) => ({ id: id === '' ? null : String(id), name: id === '' ? null : (nameOf.get(String(id)) ?? null), ...figures }))
    .sort((a, b) => b.exams - a.exams || (a.name ?? '').localeCompare(b.name ?? ''));
}

/** All the QC figures for the reader's scope and the filters in `q`. */
export async function qcStats(db: Db, scope: QcScope, q: Filters): Promise<QcStats> {
  const bucket = bucketFor(q);
  const signedExamMs = sql`SELECT x.signed_at - (SELECT min(s.captured_at) FROM stills s WHERE s.exam_id = x.id AND s.kind = 'capture' AND s.view_key IS NOT NULL) AS ms
    FROM exams x WHERE ${examCondition(scope, q)} AND x.status = 'signed'`;
  const turnaroundMs = sql`SELECT s.verdict_at - s.captured_at AS ms FROM stills s JOIN exams x ON x.id = s.exam_id
    WHERE ${examCondition(scope, q)} AND s.kind = 'capture' AND s.view_key IS NOT NULL AND s.verdict <> 'pending'`;
  const [totals, views, turnaround, histogram, examTime, series, sites, sonographers, choices] = await Promise.all([
    figuresBy(db, scope, q, sql`''`),
    viewFigures(db, scope, q),
    spreadOf(db, turnaroundMs),
    turnaroundHistogram(db, scope, q),
    spreadOf(db, signedExamMs),
    seriesOf(db, scope, q, bucket),
    namedGroups(db, scope, q, 'site_id', 'sites'),
    namedGroups(db, scope, q, 'sonographer_id', 'users'),
    choicesFor(db, scope),
  ]);
  return {
    period: { from: q.from ?? null, to: q.to ?? null, bucket, utcOffset: q.utcOffset },
    totals: totals.get('') ?? figuresOf(undefined),
    turnaround,
    turnaroundHistogram: histogram,
    examTime,
    views,
    series,
    sites,
    sonographers,
    choices,
  };
}
