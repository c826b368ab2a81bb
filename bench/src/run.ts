/**
 * `make bench`: runs each measure on the real stack on loopback and writes
 * bench/results/latest.json and docs/performance.md. Measures not built yet say so.
 */
import { cpus, totalmem } from 'node:os';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dispose } from '@livekit/rtc-node';
import { ROOT } from '@loupe/stack';
import { measureApi } from './api.ts';
import { measureSearch } from './search.ts';
import { measureCanvas } from './canvas.ts';
import { measureCanvasFlood } from './canvas-flood.ts';
import { measureAnnotationLatency } from './annotation-latency.ts';
import { measureGlassToGlass } from './glass-to-glass.ts';
import { measureFanout } from './fanout.ts';
import { measureRecorder } from './recorder.ts';

const NOT_YET = { status: 'not measured yet', n: 0 };

/** `seconds` and `ran`: how long the last invocation took, and which measures it ran. */
type Report = { when: string; machine: Record<string, unknown>; seconds: number; ran: string[]; results: Record<string, unknown> };

/** The results as a readable table: each figure beside its baseline, from the same run. */
function table(report: Report): string {
  const rows: string[] = [];
  const walk = (name: string, value: unknown) => {
    if (!value || typeof value !== 'object') return;
    const v = value as Record<string, unknown>;
    if (v.status) return rows.push(`| ${name} | ${v.status} | | | |`);
    const main = Object.entries(v).find(([k, x]) => k.endsWith('_ms') && typeof x === 'object' && x && 'p95' in x);
    if (main) {
      const m = main[1] as { p50: number; p95: number; p99: number; n: number };
      rows.push(`| ${name} | ${main[0]} p50/p95/p99 ${m.p50} / ${m.p95} / ${m.p99} | ${v.baseline_p95 ?? ''} | ${m.n} | ${v.met === undefined ? '' : v.met ? 'met' : 'NOT met'} |`);
    } else if (v.met !== undefined) {
      // A judged result with no latency percentile (ratios, cores, seconds): its figures by name.
      const figures = Object.entries(v).flatMap(([k, x]) => {
        if (typeof x === 'number' && k !== 'n') return [`${k} ${x}`];
        if (!x || typeof x !== 'object' || !('p95' in x)) return [];
        const parts = Object.entries(x).filter(([q]) => q !== 'n');
        return [`${k} ${parts.map(([q]) => q).join('/')} ${parts.map(([, y]) => y).join(' / ')}`];
      });
      if (figures.length) rows.push(`| ${name} | ${figures.join(', ')} | | ${v.n ?? ''} | ${v.met ? 'met' : 'NOT met'} |`);
    }
    for (const [k, x] of Object.entries(v)) if (x && typeof x === 'object' && !('p95' in x)) walk(`${name}.${k}`, x);
  };
  for (const [name, value] of Object.entries(report.results)) walk(name, value);
  return [
    `# Loupe benchmarks — ${report.when}`,
    '',
    `Machine: ${JSON.stringify(report.machine)}; the last run (${report.ran.join(', ')}) took ${report.seconds} s; each measure says when it ran. Reproduce: \`make bench\`.`,
    '',
    '| measure | figure (ms) | baseline p95 (ms) | n | goal |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

async function main() {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  const started = Date.now();
  const path = join(ROOT, 'bench', 'results', 'latest.json');
  // A run of some measures keeps the other measures' last figures (each says when it ran).
  const previous = existsSync(path) ? ((JSON.parse(await readFile(path, 'utf8')) as Report).results ?? {}) : {};
  const results: Record<string, unknown> = {
    annotation_latency: NOT_YET,
    video_glass_to_glass: NOT_YET,
    fanout: NOT_YET,
    recorder: NOT_YET,
    search: NOT_YET,
    canvas: NOT_YET,
    canvas_flood: NOT_YET,
    api: NOT_YET,
    ...previous,
  };
  // One measure failing is written down as failed; the others still run and are kept.
  const measure = async (name: string, what: string, run: () => Promise<object>) => {
    if (!want(name)) return;
    console.log(what);
    try {
      results[name] = { ...(await run()), measured_at: new Date().toISOString() };
    } catch (err) {
      console.error(`${name} failed:`, err);
      results[name] = { status: `failed: ${(err as Error).message.split('\n')[0]}`, n: 0, measured_at: new Date().toISOString() };
    }
  };
  await measure('annotation_latency', 'annotation latency: mentor pointer → theatre canvas…', measureAnnotationLatency);
  await measure('video_glass_to_glass', 'video glass-to-glass: theatre frame captured → shown at the mentor, and over a direct peer connection…', measureGlassToGlass);
  await measure('fanout', 'fan-out: mentor strokes at 120 points/s to theatre and 10, 50, 100 observers…', measureFanout);
  const streams = process.env.LOUPE_BENCH_RECORDER_STREAMS?.split(',').map(Number) ?? [1, 2, 4];
  await measure('recorder', `recorder: ${streams.join(', ')} recordings of 720p30 at once…`, () => measureRecorder(streams));
  await measure('api', 'api: token issuance, 50 clients…', measureApi);
  await measure('canvas', 'canvas: 1000 annotations on theatre while a stroke streams in…', measureCanvas);
  await measure('canvas_flood', 'canvas: two mentors flood theatre with full-picture arrows, then toggle them…', measureCanvasFlood);
  const sizes = process.env.LOUPE_BENCH_SEARCH_SIZES?.split(',').map(Number) ?? [100_000, 1_000_000];
  await measure('search', `search: ${sizes.join(' and ')} cases…`, () => measureSearch(sizes));
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
