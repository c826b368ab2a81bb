/**
 * Measure 5 — library search: p95 of a search through the HTTP api over 100 000 and
 * 1 000 000 synthetic cases, against the same query run in-process on the same file (in a fresh
 * process of its own, with the api stopped, so that neither disturbs the other).
 * Goals: api p95 ≤ 2× in-process p95 and ≤ in-process + 2 ms; at 1 M ≤ 10× the 100 k figure.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser, migrateDb, openDb } from '@loupe/api';
import { signIn, startLocalApi } from './local-api.ts';
import { peakMemoryMiB, percentiles } from './stats.ts';

const PROCEDURES = [
  'Cholecystectomy',
  'Appendectomy',
  'Hernia repair',
  'Thyroidectomy',
  'Colectomy',
  'Gastrectomy',
  'Hepatectomy',
  'Whipple procedure',
  'Nephrectomy',
  'Prostatectomy',
  'Hysterectomy',
  'Fundoplication',
  'Splenectomy',
  'Esophagectomy',
  'Sleeve gastrectomy',
];
const SPECIALTIES = ['General surgery', 'HPB surgery', 'Colorectal surgery', 'Endocrine surgery', 'Urology', 'Gynaecology', 'Upper GI surgery', 'Ultrasound'];
const WORDS = [
  'laparoscopic',
  'robotic',
  'open',
  'difficult',
  'adhesions',
  'bleeding',
  'critical',
  'view',
  'safety',
  'dissection',
  'anastomosis',
  'stapler',
  'clip',
  'duct',
  'artery',
  'vein',
  'node',
  'margin',
  'tumour',
  'benign',
  'teaching',
  'trainee',
  'consultant',
  'anatomy',
  'variant',
  'conversion',
  'drain',
  'suture',
  'energy',
  'plane',
];

function pick<T>(list: T[], n: number): T {
  return list[n % list.length]!;
}

/** A word list with a long tail: word k appears with probability ~1/(k+1). */
function zipfWord(r: number): string {
  const k = Math.floor(Math.exp(r * Math.log(WORDS.length + 1))) - 1;
  return WORDS[Math.min(WORDS.length - 1, Math.max(0, k))]!;
}

async function fill(dbUrl: string, n: number): Promise<void> {
  const { db, client } = await openDb(dbUrl);
  await migrateDb(db);
  // A synthetic library needs no real sessions or recordings behind it.
  await client.execute('PRAGMA foreign_keys = OFF');
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const BATCH = 5000;
  for (let start = 0; start < n; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      const procedure = pick(PROCEDURES, Math.floor(rand() * 1e6));
      const specialty = pick(SPECIALTIES, Math.floor(rand() * 1e6));
      rows.push({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        recording: `rec-${i}`,
        procedure,
        specialty,
        title: `${zipfWord(rand())} ${procedure.toLowerCase()} ${zipfWord(rand())}`,
        description: `${zipfWord(rand())} ${zipfWord(rand())} ${zipfWord(rand())} code${i.toString(36)}`,
        tags: JSON.stringify([zipfWord(rand()), zipfWord(rand())]),
        at: 1_700_000_000_000 + i * 60_000,
      });
    }
    // A batch's rows as one JSON argument to one statement a table: preparing two statements
    // for every case took a fifth of the fill. The case's duration is its recording's; the
    // search index is written by the cases triggers, row by row, as the api's inserts write it.
    const json = JSON.stringify(rows);
    const field = (name: string) => `json_extract(value, '$.${name}')`;
    await client.batch(
      [
        {
          sql: `INSERT INTO recordings (id, session_id, status, consent_by, consent_at, consent_on_file, no_identifiers_in_view, started_at, duration_ms)
                SELECT ${field('recording')}, 'bench-session', 'ready', 'bench-user', ${field('at')}, 1, 1, ${field('at')}, 600000 FROM json_each(?)`,
          args: [json],
        },
        {
          sql: `INSERT INTO cases (id, session_id, recording_id, status, title, description, procedure, specialty, tags, learning_points, published, chapters, recorded_at, retain_until)
                SELECT ${field('id')}, 'bench-session', ${field('recording')}, 'ready', ${field('title')}, ${field('description')}, ${field('procedure')},
                       ${field('specialty')}, ${field('tags')}, '', 1, '[]', ${field('at')}, 4000000000000 FROM json_each(?)`,
          args: [json],
        },
      ],
      'write',
    );
  }
  client.close();
}

/** Queries from rare (one case) to a word in every title (the common-term case). */
function queries(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 100; i++) {
    const kind = i % 5;
    if (kind === 0) out.push(`code${Math.floor((i * 7919) % n).toString(36)}`);
    else if (kind === 1) out.push(pick(PROCEDURES, i).split(' ')[0]!.toLowerCase());
    else if (kind === 2)
      out.push(
        `${pick(WORDS, i)} ${pick(PROCEDURES, i + 3)
          .split(' ')[0]!
          .toLowerCase()}`,
      );
    else if (kind === 3) out.push(pick(WORDS.slice(0, 3), i));
    else out.push('surg');
  }
  return out;
}

/** Times each round goes through the 100 queries (200 timings a size a round: 600 over three rounds). */
const PASSES = 2;

/** The same searches through `listCases` in a fresh process (search-in-process.ts). */
async function inProcessTimes(dbUrl: string, reader: object, qs: string[]): Promise<number[]> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'search-in-process.ts'), dbUrl, JSON.stringify(reader), String(PASSES)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify(qs));
  const [out] = await Promise.all([text(child.stdout), once(child, 'exit')]);
  if (child.exitCode !== 0) throw new Error(`in-process search baseline exited with ${child.exitCode}`);
  return JSON.parse(out) as number[];
}

/**
 * Each size's cases, filled once for every round of the run: filling 1 M cases takes minutes
 * and is not what is measured. The files go when the bench process exits.
 */
const filled = new Map<number, { dbUrl: string; fillMs: number }>();

async function filledDb(size: number): Promise<{ dbUrl: string; fillMs: number }> {
  const known = filled.get(size);
  if (known) return known;
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-search-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const dbUrl = `file:${join(dir, 'loupe.db')}`;
  const fillStart = performance.now();
  await fill(dbUrl, size);
  const made = { dbUrl, fillMs: performance.now() - fillStart };
  filled.set(size, made);
  return made;
}

let readers = 0;

export async function measureSearch(sizes = [100_000, 1_000_000]) {
  const results: Record<string, unknown> = {};
  for (const size of sizes) {
    const { dbUrl, fillMs } = await filledDb(size);
    const { db, client } = await openDb(dbUrl);
    const password = 'bench passphrase long enough';
    // A reader of its own each round: the file is the last round's.
    const reader = await createUser(db, { email: `reader-${++readers}@bench.test`, name: 'Reader', role: 'trainee', password });
    const { url, service: api } = await startLocalApi(dbUrl);
    const cookie = await signIn(url, reader.email, password);

    // The server closes keep-alive sockets idle for 5 s; a slow in-process query can leave one
    // idle that long, so a request that meets a closed socket is sent again on a new one.
    const get = async (q: string) => {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(`${url}/cases?q=${encodeURIComponent(q)}`, { headers: { cookie } });
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`search answered ${res.status}`);
          return;
        } catch (err) {
          if (attempt > 0 || (err as Error).message.startsWith('search answered')) throw err;
        }
      }
    };
    const qs = queries(size);
    for (const q of qs.slice(0, 10)) await get(q);
    const http: number[] = [];
    for (let pass = 0; pass < PASSES; pass++) {
      for (const q of qs) {
        const t = performance.now();
        await get(q);
        http.push(performance.now() - t);
      }
    }
    const memory = await peakMemoryMiB(api.child.pid!);
    await api.stop();
    client.close();
    // The baseline runs with the api stopped, in a process of its own, on the same file.
    const inProcess = await inProcessTimes(dbUrl, reader, qs);
    const h = percentiles(http);
    const b = percentiles(inProcess);
    results[`cases_${size}`] = {
      http_ms: h,
      baseline_p95: b.p95,
      in_process_ms: b,
      fill_s: Math.round(fillMs / 100) / 10,
      api_peak_memory_mib: memory,
      n: h.n,
      goal: 'http p95 <= 2x in-process p95 and <= in-process p95 + 2 ms',
      met: h.p95 <= 2 * b.p95 && h.p95 <= b.p95 + 2,
    };
  }
  const small = results['cases_100000'] as { http_ms: { p95: number } } | undefined;
  const large = results['cases_1000000'] as { http_ms: { p95: number } } | undefined;
  if (small && large) {
    results.scaling = {
      ratio_p95_1m_over_100k: Math.round((large.http_ms.p95 / small.http_ms.p95) * 100) / 100,
      goal: '<= 10',
      met: large.http_ms.p95 <= 10 * small.http_ms.p95,
    };
  }
  return results;
}
