/**
 * Anchors for the audit chain, kept outside the database. The chain shows an entry changed in
 * place, but whoever controls the database file can cut entries off its end, or rebuild the
 * whole chain with fresh hashes, and it verifies again. So the api copies the chain's head
 * `{ seq, hash, at }` as one JSON line to a file elsewhere (LOUPE_AUDIT_ANCHOR_FILE) whenever it
 * has moved, every few minutes; verification then checks that every anchored seq still holds
 * its hash. What happened in the last few minutes before an attack is not covered.
 */
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { AuditAnchorFailure } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { holdsJob, runOncePerCluster } from '../leases/lease.ts';
import { auditHead } from './audit.ts';

const ANCHOR_EVERY_MS = 5 * 60_000;
/** The periodic job's name among the cluster's leases. */
const ANCHOR_JOB = 'audit-anchor';
// Enough for the last line: one anchor is about 120 bytes.
const TAIL_BYTES = 4096;

const AuditAnchor = z.object({
  seq: z.number().int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.iso.datetime(),
});
export type AuditAnchor = z.infer<typeof AuditAnchor>;

/** One line of the anchor file, numbered from 1: an anchor, or null when it is not one. */
export type AnchorLine = { line: number; anchor: AuditAnchor | null };

function parseAnchor(text: string): AuditAnchor | null {
  try {
    const parsed = AuditAnchor.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Every line of the anchor file, oldest first; none while the file does not exist yet. A file
 * that cannot be read (no permission, a share that is down) is one unreadable line 0: the
 * admin page says so rather than failing.
 */
export async function readAnchors(file: string): Promise<AnchorLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (missing(err)) return [];
    console.error(`audit anchor: could not read ${file}:`, err);
    return [{ line: 0, anchor: null }];
  }
  return text
    .split('\n')
    .map((content, i) => ({ line: i + 1, content }))
    .filter(({ content }) => content.trim() !== '')
    .map(({ line, content }) => ({ line, anchor: parseAnchor(content) }));
}

/**
 * The file's last anchor, read from its end (the file grows for as long as the log does), and
 * whether the file ends a line: a write cut short by a crash leaves half a line.
 */
async function lastAnchor(file: string): Promise<{ anchor: AuditAnchor | null; whole: boolean }> {
  const handle = await open(file, 'r').catch((err) => (missing(err) ? null : Promise.reject(err)));
  if (!handle) return { anchor: null, whole: true };
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    const text = buffer.toString('utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    return { anchor: parseAnchor(lines.at(-1) ?? ''), whole: size === 0 || text.endsWith('\n') };
  } finally {
    await handle.close();
  }
}

/**
 * Appends the chain's head to the anchor file unless the last anchor already names it; returns
 * what it wrote, or null. The file is opened for appending only and created readable by the
 * service user alone.
 */
export async function anchorAuditHead(db: Db, file: string, now = new Date()): Promise<AuditAnchor | null> {
  const head = await auditHead(db);
  if (!head) return null;
  const { anchor: last, whole } = await lastAnchor(file);
  if (last?.seq === head.seq && last.hash === head.hash) return null;
  if (last && head.seq < last.seq) {
    // Still written: the anchor file records what the database held, and verification names the loss.
    console.error(`audit anchor: the log ends at #${head.seq}, before the last anchor #${last.seq}: entries were removed`);
  }
  const anchor = { seq: head.seq, hash: head.hash, at: now.toISOString() };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // After half a line, a line of its own: the torn one stays unreadable, this one reads.
  await appendFile(file, `${whole ? '' : '\n'}${JSON.stringify(anchor)}\n`, { flag: 'a', mode: 0o600 });
  return anchor;
}

/**
 * Anchors now and then every five minutes, in one api process of a cluster (runOncePerCluster):
 * two processes anchoring would each append every head, to one shared file or to a file each.
 * The returned stop() anchors a last time if this process is the one that anchors: the head as
 * the api leaves it, so that the database edited while the api is down is caught too.
 */
export function startAuditAnchoring(db: Db, file: string, owner: string, everyMs = ANCHOR_EVERY_MS): () => Promise<void> {
  // One after another: two runs that both read the file before either wrote would write the same head twice.
  let running = Promise.resolve();
  const run = () =>
    anchorAuditHead(db, file).then(
      () => undefined,
      (err) => console.error(`audit anchor: could not write ${file}:`, err),
    );
  const anchor = () => (running = running.then(run));
  const stopJob = runOncePerCluster(db, { name: ANCHOR_JOB, owner, everyMs, job: anchor });
  return async () => {
    const anchors = await holdsJob(db, ANCHOR_JOB, owner, everyMs).catch(() => false);
    if (anchors) await anchor();
    await stopJob();
  };
}

/**
 * Holds anchors against the log while verification walks it, oldest entry first: `entry` for
 * each stored entry, then `failure` for the first anchor, in file order, that does not hold.
 */
export function anchorCheck(lines: AnchorLine[]) {
  const failures: AuditAnchorFailure[] = [];
  const pending = new Map<number, { line: number; anchor: AuditAnchor }[]>();
  for (const { line, anchor } of lines) {
    if (!anchor) failures.push({ line, reason: 'unreadable', seq: null, hash: null, at: null });
    else pending.set(anchor.seq, [...(pending.get(anchor.seq) ?? []), { line, anchor }]);
  }
  const anchors = lines.flatMap((l) => (l.anchor ? [l.anchor] : []));
  return {
    count: anchors.length,
    latestAt: anchors.at(-1)?.at ?? null,
    entry(seq: number, hash: string): void {
      for (const { line, anchor } of pending.get(seq) ?? []) {
        if (anchor.hash !== hash) failures.push({ line, reason: 'rewritten', ...anchor });
      }
      pending.delete(seq);
    },
    /**
     * Once every entry was seen, `lastSeq` the newest: an anchor past it was cut off the end.
     * One whose entry is missing from the middle is left to the chain, which names the gap.
     */
    failure(lastSeq: number): AuditAnchorFailure | null {
      for (const [seq, found] of pending) {
        if (seq > lastSeq) for (const { line, anchor } of found) failures.push({ line, reason: 'truncated', ...anchor });
      }
      return failures.sort((a, b) => a.line - b.line)[0] ?? null;
    },
  };
}
