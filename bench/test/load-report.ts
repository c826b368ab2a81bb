/**
 * What the load test watches while it runs and judges at the end: the services' resident memory
 * every ten seconds, their CPU, the lines they log as errors; the summary table, and what did not
 * hold.
 */
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import type { Readable } from 'node:stream';
import { cpuSeconds, machineBusySeconds, treeCpuSeconds } from '../src/stats.ts';
import type { Picture, SessionReport } from './load-session.ts';

/** Each service's processes (two of each in a cluster, `make load CLUSTER=1`): their figures are summed. */
export type Pids = { api: number[]; recorder: number[]; livekit: number[]; participants: number[] };
type ServiceName = 'api' | 'recorder' | 'livekit';
const SERVICES: ServiceName[] = ['api', 'recorder', 'livekit'];

/** Resident memory of a process now, in MiB, from /proc (0 once it has gone). */
async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
}

/** `read` of each process, summed. */
async function sumOf(pids: number[], read: (pid: number) => Promise<number>): Promise<number> {
  return (await Promise.all(pids.map(read))).reduce((a, b) => a + b, 0);
}

export type MemorySample = { s: number } & Record<ServiceName, number>;

/**
 * Samples the services' memory every `everyMs` until `stop` is called. `runaway` resolves with
 * what happened if a service passes `capMiB`: the run should end there, before the machine runs
 * out of memory and takes other processes with it.
 */
export function sampleMemory(pids: Pids, everyMs: number, capMiB: number) {
  const started = performance.now();
  const series: MemorySample[] = [];
  let runaway!: (what: string) => void;
  const sample = async () => {
    const [api, recorder, livekit] = await Promise.all([sumOf(pids.api, rssMiB), sumOf(pids.recorder, rssMiB), sumOf(pids.livekit, rssMiB)]);
    const s = Math.round((performance.now() - started) / 1000);
    series.push({ s, api, recorder, livekit });
    for (const [name, mib] of Object.entries({ api, recorder, livekit })) {
      if (mib > capMiB) runaway(`${name} passed ${capMiB} MiB (${mib}) after ${s} s: the run was stopped there`);
    }
  };
  const result = {
    series,
    runaway: new Promise<string>((resolve) => (runaway = resolve)),
    async stop() {
      clearInterval(timer);
      await sample();
      return series;
    },
  };
  void sample();
  const timer = setInterval(() => void sample(), everyMs);
  return result;
}

/**
 * Whether memory is flat: the mean of the series' last quarter against that of its second (the
 * first is warm-up: rooms joining, buffers and JIT filling). Growth past the limit is a leak at
 * this rate; a fall is not. Needs four values or more.
 */
function drift(values: number[]): { second: number; last: number; growth: number } {
  const q = values.length / 4;
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const second = mean(values.slice(Math.floor(q), Math.floor(2 * q)));
  const last = mean(values.slice(Math.floor(3 * q)));
  return { second, last, growth: last / second - 1 };
}

/** CPU seconds so far of each service (the recorder with its ffmpeg children, and alone), the participants and the machine. */
export async function cpuNow(pids: Pids) {
  return {
    at: performance.now(),
    api: await sumOf(pids.api, cpuSeconds),
    recorder: await sumOf(pids.recorder, treeCpuSeconds),
    recorderNode: await sumOf(pids.recorder, cpuSeconds),
    livekit: await sumOf(pids.livekit, cpuSeconds),
    participants: (await Promise.all(pids.participants.map((pid) => cpuSeconds(pid).catch(() => 0)))).reduce((a, b) => a + b, 0),
    machine: await machineBusySeconds(),
  };
}

type CpuReading = Awaited<ReturnType<typeof cpuNow>>;

/** Cores busy on average between two readings. */
export function coresBetween(before: CpuReading, after: CpuReading) {
  const seconds = (after.at - before.at) / 1000;
  const cores = (k: Exclude<keyof CpuReading, 'at'>) => Math.round(((after[k] - before[k]) / seconds) * 100) / 100;
  return {
    api: cores('api'),
    recorder: cores('recorder'),
    recorderNode: cores('recorderNode'),
    livekit: cores('livekit'),
    participants: cores('participants'),
    machine: cores('machine'),
  };
}

/**
 * The lines a service logs as errors: anything on stderr (where the api and the recorder write
 * their errors), and rtc-node's own log lines (pino JSON on stdout) at level error or above.
 */
export function watchErrors(...children: { stdout: Readable | null; stderr: Readable | null }[]): { errors: string[]; warnings: string[] } {
  const log = { errors: [] as string[], warnings: [] as string[] };
  const lines = (stream: Readable | null, each: (line: string) => void) => {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      for (const line of parts) if (line.trim()) each(line);
    });
  };
  for (const child of children) {
    lines(child.stderr, (line) => log.errors.push(line));
    lines(child.stdout, (line) => {
      const level = /^\{.*"level":(\d+)/.exec(line)?.[1];
      if (Number(level) >= 50) log.errors.push(line);
      else if (Number(level) === 40) log.warnings.push(line);
    });
  }
  return log;
}

/** Rows as a Markdown table, each column as wide as its widest cell. */
function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

/** What one session's people received, and what its case holds. */
export type SessionOutcome = {
  report: SessionReport;
  recording: { status: string; failure: string | null; afterS: number };
  /** The mentor's ops in the case's annotation track (null: the case is not ready). */
  inCase: { logged: number; missing: number; duplicates: number } | null;
  /** Frames of `report.captured` in the case (null: not ready, or its picture scaled down). */
  framesInCase: number | null;
  /** What the finished recording keeps on disk (its folder), and the case video's length (null: not ready). */
  disk: { bytes: number; seconds: number } | null;
};

export type Run = {
  picture: Picture;
  minutes: number;
  observers: number;
  sessions: SessionOutcome[];
  series: MemorySample[];
  cores: ReturnType<typeof coresBetween>;
  logs: Record<'api' | 'recorder', { errors: string[]; warnings: string[] }>;
  /** Why the run was stopped early, if it was. */
  runaway: string | null;
};

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
const minMean = (values: number[], digits = 1) =>
  values.length ? `min ${round(Math.min(...values), digits)}, mean ${round(sum(values) / values.length, digits)}` : 'none';
const distinct = (values: string[]) => [...new Set(values)].join(', ');

/**
 * Of the frames theatre captured while the mentor drew, the share its encoder sent (theatre's
 * own machine: here, this one) and, of those, the share in the case (what the server kept).
 */
function frameShares({ report, framesInCase }: SessionOutcome) {
  const captured = report.captured[1] - report.captured[0];
  return { sent: report.encoded / Math.max(1, captured), kept: framesInCase === null ? null : framesInCase / Math.max(1, report.encoded) };
}

/** The memory series and the summary table, with the first errors the services logged. */
/** The finished recordings' folders per hour of case video (docs/scaling.md sizes storage from it). */
function diskPerHour(sessions: SessionOutcome[]): string {
  const disks = sessions.flatMap((s) => (s.disk ? [s.disk] : []));
  const seconds = sum(disks.map((d) => d.seconds));
  if (seconds === 0) return 'no case';
  const gb = ((sum(disks.map((d) => d.bytes)) / seconds) * 3600) / 1e9;
  return `${round(gb, 2)} GB (${disks.length} cases, ${round(seconds / 60, 1)} min of video)`;
}

export function summary(run: Run): string {
  const { picture, observers, series, cores, logs } = run;
  const reports = run.sessions.map((s) => s.report);
  const sent = sum(reports.map((r) => r.sent.length));
  const receivers = reports.flatMap((r) => r.receivers);
  const inCases = run.sessions.flatMap((s) => (s.inCase ? [s.inCase] : []));
  const ready = run.sessions.filter((s) => s.recording.status === 'ready').length;
  const shares = run.sessions.map(frameShares);
  const kept = shares.flatMap((f) => (f.kept === null ? [] : [f.kept]));
  const n = run.sessions.length;
  const length = run.runaway ? `${series.at(-1)!.s} s of ${run.minutes} min` : `${run.minutes} min`;
  const rss = (s: ServiceName) => {
    const d = drift(series.map((x) => x[s]));
    return `start ${series[0]![s]}, 2nd quarter ${round(d.second, 0)}, last quarter ${round(d.last, 0)}, end ${series.at(-1)![s]} (${d.growth >= 0 ? '+' : ''}${round(d.growth * 100, 1)} %)`;
  };
  const rows: string[][] = [
    ['sessions', `${n}: theatre, mentor and ${observers} observers each, ${n * (2 + observers)} rtc-node participants`],
    ['ops sent by the mentors', `${sent} (LiveKit refused ${sum(reports.map((r) => r.notSent))})`],
    [
      'ops received by theatre and observers',
      `${sum(receivers.map((r) => r.received))} of ${sent * (1 + observers)}: lost ${sum(receivers.map((r) => r.missing))}, doubled ${sum(receivers.map((r) => r.duplicates + r.unexpected))}, dropped as invalid ${sum(receivers.map((r) => r.dropped))}`,
    ],
    ['cases ready', `${ready} of ${n}; the last ${round(Math.max(0, ...run.sessions.map((s) => s.recording.afterS)), 1)} s after stop`],
    [
      'ops in the cases',
      `${sum(inCases.map((c) => c.logged))} of ${sent}: missing ${sum(inCases.map((c) => c.missing))}, doubled ${sum(inCases.map((c) => c.duplicates))}`,
    ],
    [
      'frames theatre sent ÷ captured',
      minMean(
        shares.map((f) => f.sent),
        4,
      ),
    ],
    ['disk per recorded hour', diskPerHour(run.sessions)],
    ['frames in the cases ÷ theatre sent', `${minMean(kept, 4)}${kept.length < ready ? ` (${ready - kept.length} scaled down, not read)` : ''}`],
    [
      'errors logged',
      `api ${logs.api.errors.length}, recorder ${logs.recorder.errors.length} (warnings ${logs.api.warnings.length}, ${logs.recorder.warnings.length})`,
    ],
    ...SERVICES.map((s) => [`RSS ${s} (MiB)`, rss(s)]),
    [
      "CPU cores (of the machine's)",
      `api ${cores.api}, recorder ${cores.recorder} (its ffmpegs ${round(cores.recorder - cores.recorderNode)}), livekit-server ${cores.livekit}, participants ${cores.participants}; machine ${cores.machine} of ${cpus().length}`,
    ],
    [
      'theatre encoder (fps)',
      `${minMean(reports.map((r) => r.encodedFps))} of ${picture.fps}; sent ${distinct(reports.map((r) => r.sentSize))}; limited by ${distinct(reports.map((r) => r.qualityLimitation))}`,
    ],
    ['observers decoded (fps)', `${minMean(reports.flatMap((r) => r.observerFps))}; video packets lost ${sum(reports.map((r) => r.observerPacketsLost))}`],
  ];
  return [
    `\nResident memory (MiB) every ${series[1] ? series[1].s - series[0]!.s : 0} s from the first recording asked for:`,
    table(
      ['s', ...SERVICES],
      series.map((x) => [x.s, x.api, x.recorder, x.livekit]),
    ),
    `\nLoad: ${n} sessions × ${length}, theatre ${picture.width}x${picture.height}@${picture.fps}, recording on`,
    table(['figure', 'value'], rows),
    ...Object.entries(logs).flatMap(([name, log]) => log.errors.slice(0, 20).map((line) => `[${name} error] ${line}`)),
  ].join('\n');
}

/** Everything that did not hold, one line each: none when the run held. */
export function problems(run: Run, limits: { framesFloor: number; memoryGrowth: { share: number; mib: number } }): string[] {
  return [
    ...(run.runaway ? [run.runaway] : []),
    ...run.sessions.flatMap((outcome, i) => {
      const { report, recording, inCase } = outcome;
      const { kept } = frameShares(outcome);
      const session = `session ${i + 1}`;
      const ready = recording.status === 'ready';
      return [
        ...(report.notSent ? [`${session}: LiveKit refused ${report.notSent} of the mentor's ops`] : []),
        ...report.receivers
          .filter((c) => c.missing || c.duplicates || c.unexpected || c.dropped)
          .map((c) => `${session}: ${c.who} lost ${c.missing}, doubled ${c.duplicates + c.unexpected}, dropped ${c.dropped} of ${report.sent.length} ops`),
        ...(ready ? [] : [`${session}: the recording ${recording.status}: ${recording.failure}`]),
        ...(inCase && (inCase.missing || inCase.duplicates) ? [`${session}: the case misses ${inCase.missing} and doubles ${inCase.duplicates} ops`] : []),
        ...(ready && (kept === null || kept < limits.framesFloor)
          ? [`${session}: the case holds ${kept === null ? 'a scaled-down picture' : `${round(kept * 100, 1)} %`} of the frames theatre sent`]
          : []),
      ];
    }),
    ...Object.entries(run.logs).flatMap(([name, log]) => (log.errors.length ? [`${name} logged ${log.errors.length} errors`] : [])),
    ...SERVICES.flatMap((s) => {
      const { second, last, growth } = drift(run.series.map((x) => x[s]));
      const grew = growth > limits.memoryGrowth.share && last - second > limits.memoryGrowth.mib;
      return grew ? [`${s} memory grew ${round(growth * 100, 1)} % (${round(last - second, 0)} MiB) from the second quarter to the last`] : [];
    }),
  ];
}
