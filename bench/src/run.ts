/**
 * `make bench`: runs each measure on the real stack on loopback, every round of one before the
 * next, and writes bench/results/latest.json and a table of it, bench/results/latest.md (one row
 * a measure, in the order they ran; `node bench/src/run.ts search` runs one and keeps the rest).
 */
import { cpus, totalmem } from 'node:os';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dispose } from '@livekit/rtc-node';
import { z } from 'zod';
import { envInteger, parseEnv } from '@loupe/protocol';
import { ROOT } from '@loupe/stack';
import { measureApi } from './api.ts';
import { measureSearch } from './search.ts';
import { measureCanvas } from './canvas.ts';
import { measureCanvasFlood } from './canvas-flood.ts';
import { measureAnnotationLatency } from './annotation-latency.ts';
import { measureGlassToGlass } from './glass-to-glass.ts';
import { measureFanout } from './fanout.ts';
import { measureRecorder } from './recorder.ts';
import { measureRecorderSources } from './recorder-sources.ts';
import { measureStillCapture } from './still-capture.ts';
import { measureVitalsLatency } from './vitals-latency.ts';
import { measureSourcesDownload } from './sources-download.ts';
import { machineCpu } from './stats.ts';
import { stopLiveStacks } from './live-scene.ts';

const round3 = (v: number) => Math.round(v * 1000) / 1000;

const NOT_YET = { status: 'not measured yet', n: 0 };

type Spread = { min: number; median: number; max: number };
const spreadOf = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted.at(-1)! };
};

/**
 * The rounds' results as one: the last round's figures, every p95 with its spread over the rounds
 * (`p95_spread`), and `met` wherever a round says it only if every round does.
 */
function combineRounds(rounds: unknown[]): unknown {
  const last = rounds.at(-1);
  if (!last || typeof last !== 'object' || Array.isArray(last)) return last;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(last)) {
    const each = rounds.map((r) => (r as Record<string, unknown> | undefined)?.[key]);
    if (key === 'met') out[key] = each.every((m) => m === true);
    else if (value && typeof value === 'object' && 'p95' in value) {
      const p95s = each.map((x) => (x as { p95?: unknown } | undefined)?.p95).filter((x): x is number => typeof x === 'number');
      out[key] = rounds.length > 1 ? { ...value, p95_spread: spreadOf(p95s) } : value;
    } else if (value && typeof value === 'object' && !Array.isArray(value)) out[key] = combineRounds(each);
    else out[key] = value;
  }
  return out;
}

/** `seconds` and `ran`: how long the last invocation took, and which measures it ran. */
type Report = { when: string; machine: Record<string, unknown>; seconds: number; ran: string[]; results: Record<string, unknown> };

/**
 * A measure's rounds' machine load and how long all its rounds took, e.g. `71 % / 0 %, 68 % / 0 %
 * in 95 s` (only on the measure itself, not its parts).
 */
function loadOf(v: Record<string, unknown>): string {
  const load = v.machine_load as { busy: number; steal: number }[] | undefined;
  if (!load) return '';
  const took = typeof v.seconds === 'number' ? ` in ${v.seconds} s` : '';
  return `${load.map((l) => `${Math.round(l.busy * 100)} % / ${Math.round(l.steal * 100)} %`).join(', ')}${took}`;
}

/** The results as a readable table: each figure beside its baseline, from the same run. */
function table(report: Report): string {
  const rows: string[] = [];
  const walk = (name: string, value: unknown) => {
    if (!value || typeof value !== 'object') return;
    const v = value as Record<string, unknown>;
    if (v.status) return rows.push(`| ${name} | ${v.status} | | | | |`);
    const main = Object.entries(v).find(([k, x]) => k.endsWith('_ms') && typeof x === 'object' && x && 'p95' in x);
    if (main) {
      const m = main[1] as { p50: number; p95: number; p99: number; n: number; p95_spread?: Spread };
      const spread = m.p95_spread ? `; p95 over the rounds min/median/max ${m.p95_spread.min} / ${m.p95_spread.median} / ${m.p95_spread.max}` : '';
      rows.push(
        `| ${name} | ${main[0]} p50/p95/p99 ${m.p50} / ${m.p95} / ${m.p99}${spread} | ${v.baseline_p95 ?? ''} | ${m.n} | ${v.met === undefined ? '' : v.met ? 'met' : 'NOT met'} | ${loadOf(v)} |`,
      );
    } else if (v.met !== undefined) {
      // A judged result with no latency percentile (ratios, cores, seconds): its figures by name.
      const figures = Object.entries(v).flatMap(([k, x]) => {
        if (typeof x === 'number' && k !== 'n' && k !== 'seconds') return [`${k} ${x}`];
        if (!x || typeof x !== 'object' || !('p95' in x)) return [];
        const parts = Object.entries(x).filter(([q, y]) => q !== 'n' && typeof y === 'number');
        return [`${k} ${parts.map(([q]) => q).join('/')} ${parts.map(([, y]) => y).join(' / ')}`];
      });
      if (figures.length) rows.push(`| ${name} | ${figures.join(', ')} | | ${v.n ?? ''} | ${v.met ? 'met' : 'NOT met'} | ${loadOf(v)} |`);
    }
    for (const [k, x] of Object.entries(v)) if (x && typeof x === 'object' && !('p95' in x)) walk(`${name}.${k}`, x);
  };
  for (const [name, value] of Object.entries(report.results)) walk(name, value);
  return [
    `# Loupe benchmarks — ${report.when}`,
    '',
    `Machine: ${JSON.stringify(report.machine)}; the last run (${report.ran.join(', ')}) took ${report.seconds} s; each measure says when it ran. Reproduce: \`make bench\`.`,
    '',
    '| measure | figure (ms) | baseline p95 (ms) | n | goal (every round) | machine busy / stolen, each round; time of all rounds |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Comma-separated whole numbers from `min` to `max`, e.g. `1,2`. */
const counts = (min: number, max: number) => z.preprocess((v) => (typeof v === 'string' ? v.split(',') : v), z.array(envInteger(min, max)).min(1));

/** Picked before anything runs: a typo is told at once, not after minutes of other measures. */
const BenchEnv = z.object({
  /**
   * Rounds of every measure. A goal counts as met only when every round meets it; each p95 is
   * reported with its spread over the rounds (min, median, max), and each round with how busy the
   * machine was while it ran (its share of all cores' time, and the share the hypervisor stole).
   */
  LOUPE_BENCH_ROUNDS: envInteger(1, 100).default(3),
  LOUPE_BENCH_RECORDER_STREAMS: counts(1, 16).default([1, 2, 4]),
  LOUPE_BENCH_SEARCH_SIZES: counts(1, 10_000_000).default([100_000, 1_000_000]),
});

async function main() {
  const { LOUPE_BENCH_ROUNDS: roundCount, LOUPE_BENCH_RECORDER_STREAMS: streams, LOUPE_BENCH_SEARCH_SIZES: sizes } = parseEnv(BenchEnv, process.env);
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  const started = Date.now();
  const path = join(ROOT, 'bench', 'results', 'latest.json');
  // A run of some measures keeps the other measures' last figures (each says when it ran).
  const previous = existsSync(path) ? ((JSON.parse(await readFile(path, 'utf8')) as Report).results ?? {}) : {};
  // In the order they run, which is the report's order; each takes every round before the next starts.
  const measures: [name: string, what: string, run: () => Promise<object>][] = [
    ['annotation_latency', 'annotation latency: mentor pointer → theatre canvas…', measureAnnotationLatency],
    ['video_glass_to_glass', 'video glass-to-glass: theatre frame captured → shown at the mentor, and over a direct peer connection…', measureGlassToGlass],
    ['fanout', 'fan-out: mentor strokes at 120 points/s to theatre and 10, 50, 100 observers…', measureFanout],
    ['recorder', `recorder: ${streams.join(', ')} recordings of 720p30 at once…`, () => measureRecorder(streams)],
    ['recorder_sources', 'recorder: one recording of 1 and of 3 pictures, what an extra source costs…', measureRecorderSources],
    ['sources_download', 'sources: what a mentor downloads with four pictures against one…', measureSourcesDownload],
    ['api', 'api: token issuance, 50 clients…', measureApi],
    ['canvas', 'canvas: 1000 annotations on theatre while a stroke streams in…', measureCanvas],
    ['canvas_flood', 'canvas: two mentors flood theatre with full-picture arrows, then toggle them…', measureCanvasFlood],
    ['still_capture', 'still: 1920×1080 capture at the scan room → shown at the reviewer, and the same PNG up and down over plain HTTP…', measureStillCapture],
    ['vitals_latency', 'vitals: monitor ORU^R01 over MLLP → heart rate shown on theatre…', measureVitalsLatency],
    ['search', `search: ${sizes.join(' and ')} cases…`, () => measureSearch(sizes)],
  ];
  const results: Record<string, unknown> = { ...Object.fromEntries(measures.map(([name]) => [name, NOT_YET])), ...previous };
  // One measure failing is written down as failed; the others still run and are kept.
  const measure = async (name: string, what: string, run: () => Promise<object>) => {
    if (!want(name)) return;
    console.log(what);
    const began = Date.now();
    try {
      const rounds: object[] = [];
      const machineLoad: { busy: number; steal: number }[] = [];
      for (let round = 1; round <= roundCount; round++) {
        if (roundCount > 1) console.log(`  round ${round} of ${roundCount}`);
        const before = await machineCpu();
        rounds.push(await run());
        const after = await machineCpu();
        const total = after.total - before.total || 1;
        machineLoad.push({ busy: round3((after.busy - before.busy) / total), steal: round3((after.steal - before.steal) / total) });
      }
      const seconds = Math.round((Date.now() - began) / 1000);
      results[name] = { ...(combineRounds(rounds) as object), rounds: roundCount, seconds, machine_load: machineLoad, measured_at: new Date().toISOString() };
    } catch (err) {
      console.error(`${name} failed:`, err);
      results[name] = { status: `failed: ${(err as Error).message.split('\n')[0]}`, n: 0, measured_at: new Date().toISOString() };
    } finally {
      // The stack its rounds shared goes before the next measure (live-scene.ts).
      await stopLiveStacks();
    }
  };
  for (const [name, what, run] of measures) await measure(name, what, run);
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version };
  const ran = Object.keys(results).filter(want);
  const report = { when: new Date().toISOString(), machine, seconds: Math.round((Date.now() - started) / 1000), ran, results };
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(ROOT, 'bench', 'results', 'latest.md'), table(report));
  console.log(table(report));
  // rtc-node's native side is shared by every measure: released once, at the very end.
  await dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
