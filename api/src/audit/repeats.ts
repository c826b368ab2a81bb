/**
 * Entries that anyone can make by repeating a request (a refused lookup, a video read) must not
 * flood the audit log, nor be lost. The first of a run is written at once; the same entry again
 * (same action, actor, address and target) within REPEAT_WINDOW_MS is only counted, and when the
 * window closes one more entry says how many times it happened and between when. The runs are
 * this process's: a second api process (a cluster) counts its own.
 */
import type { Db } from '../db/client.ts';
import { recordAudit, type NewAuditEntry } from './audit.ts';

const REPEAT_WINDOW_MS = 60_000;
/** Runs followed at once, at most: past this (a flood of made-up targets), the oldest closes early. */
const MAX_RUNS = 10_000;

type Run = { entry: NewAuditEntry; repeats: number; firstAt: Date; lastAt: Date; timer: ReturnType<typeof setTimeout> };

// Per database handle, so that each test database has its own runs.
const runsByDb = new WeakMap<Db, Map<string, Run>>();

/** The same entry: everything but the time (a 403 for an edit is not a repeat of a 404 for a view). */
const keyOf = (e: NewAuditEntry) =>
  JSON.stringify([e.action, e.actorId, e.actorLabel, e.ip ?? null, e.targetType ?? null, e.targetId ?? null, e.sessionId ?? null, e.detail ?? {}]);

/** Records `entry`, or counts it if the same entry was recorded within the last minute. */
export async function recordRepeatable(db: Db, entry: NewAuditEntry): Promise<void> {
  let runs = runsByDb.get(db);
  if (!runs) runsByDb.set(db, (runs = new Map()));
  const key = keyOf(entry);
  const run = runs.get(key);
  if (run) {
    run.repeats++;
    run.lastAt = new Date();
    return;
  }
  const now = new Date();
  const timer = setTimeout(() => void close(db, key), REPEAT_WINDOW_MS);
  // A run still open never keeps the process alive; shutdown flushes it (flushRepeats).
  timer.unref();
  runs.set(key, { entry, repeats: 0, firstAt: now, lastAt: now, timer });
  if (runs.size > MAX_RUNS) await close(db, runs.keys().next().value!);
  await recordAudit(db, entry);
}

async function close(db: Db, key: string): Promise<void> {
  const runs = runsByDb.get(db);
  const run = runs?.get(key);
  if (!run) return;
  runs!.delete(key);
  clearTimeout(run.timer);
  if (run.repeats === 0) return;
  const { entry } = run;
  await recordAudit(db, {
    ...entry,
    detail: { ...entry.detail, repeated: run.repeats, from: run.firstAt.toISOString(), to: run.lastAt.toISOString() },
  });
}

/** Writes what the runs still open have counted (at shutdown, and in tests). */
export async function flushRepeats(db: Db): Promise<void> {
  for (const key of [...(runsByDb.get(db)?.keys() ?? [])]) await close(db, key);
}
