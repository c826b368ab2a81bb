/**
 * The PACS outbox: accepted stills (pacs_state 'queued', set by the verdict route) go to their
 * site's PACS over STOW-RS, from the database, so neither a restart of the api nor a PACS that is
 * down loses one.
 *
 * - Where: the exam's site's `dicomweb_url`, else LOUPE_DICOMWEB_URL. With neither the still stays
 *   'queued', saying so, and is looked at again every minute.
 * - A failure the PACS's side can get over (unreachable, busy, 5xx, a wrong address or access)
 *   is 'failed' with its reason and retried for ever, 5 s after the first and doubling up to every
 *   10 minutes: the reason reads "will retry at…" on the queue's page.
 * - A refusal of the image itself (the PACS understood it and said no: bad data, unsupported
 *   class) would be refused again: 'failed' with the reason and no next attempt, until an
 *   administrator retries it (POST /pacs/stills/{id}/retry) after fixing the cause.
 *
 * The loop runs in one api process of a cluster at a time (the lease `job:pacs-outbox`, as for the
 * other periodic jobs), and each still is claimed before it is sent (its next attempt moved past
 * the store's timeout), so two api processes never send it at once: the lease keeps the others
 * idle, the claim holds even when a pass outlives the lease and another process starts one. If the api dies after the PACS stored it but before the
 * row says so, it is sent again; the PACS keeps one copy (same SOP Instance UID) and answers
 * that it has it.
 */
import type { MediaStore } from '@loupe/media-store';
import { and, asc, count, eq, inArray, isNull, lte, or } from 'drizzle-orm';
import { stillFile, type Words } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { exams, scanProtocols, sites, stills } from '../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { holdsJob, releaseJob } from '../leases/lease.ts';
import { stillToDicom, type StillInstance } from './dicom.ts';
import { STORE_TIMEOUT_MS, StoreError, storeInstance } from './stow.ts';

export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 10 * 60_000;
export const NO_PACS_RECHECK_MS = 60_000;
export const NO_PACS = 'no PACS configured for this site';
/** How long a claimed still is left alone: longer than a store may take. */
const CLAIM_MS = STORE_TIMEOUT_MS + 60_000;
const BATCH = 20;

const SYSTEM = { actorId: null, actorLabel: 'system', ip: null } as const;

/** When the attempt after `attempts` failed ones is due: 5 s, 10 s, 20 s… at most 10 min. */
export function retryDelay(attempts: number): number {
  return Math.min(RETRY_FIRST_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

export type OutboxOptions = {
  /** Where the stills' PNGs are. */
  media: MediaStore;
  /** LOUPE_DICOMWEB_URL: for sites without a PACS of their own. */
  dicomwebUrl: string | undefined;
  signal?: AbortSignal;
};

type StillRow = typeof stills.$inferSelect;
type Outcome = 'sent' | 'failed' | 'waiting' | 'skipped';

/** Sends every still due by `now`, one after another; returns what became of each. */
export async function runOutboxOnce(db: Db, o: OutboxOptions, now = new Date()): Promise<Outcome[]> {
  const due = await db
    .select()
    .from(stills)
    .where(
      or(and(inArray(stills.pacsState, ['queued', 'failed']), lte(stills.pacsNextAt, now)), and(eq(stills.pacsState, 'queued'), isNull(stills.pacsNextAt))),
    )
    .orderBy(asc(stills.pacsNextAt))
    .limit(BATCH);
  const outcomes: Outcome[] = [];
  for (const still of due) {
    if (o.signal?.aborted) break;
    outcomes.push(await sendStill(db, o, still, now));
  }
  return outcomes;
}

async function sendStill(db: Db, o: OutboxOptions, still: StillRow, now: Date): Promise<Outcome> {
  const claimed = await db
    .update(stills)
    .set({ pacsNextAt: new Date(now.getTime() + CLAIM_MS) })
    .where(
      and(
        eq(stills.id, still.id),
        eq(stills.pacsState, still.pacsState),
        still.pacsNextAt ? eq(stills.pacsNextAt, still.pacsNextAt) : isNull(stills.pacsNextAt),
      ),
    )
    .returning({ id: stills.id });
  if (claimed.length === 0) return 'skipped'; // another process has it
  try {
    const target = await instanceOf(db, still);
    const url = target.siteUrl ?? o.dicomwebUrl;
    if (!url) {
      await db
        .update(stills)
        .set({ pacsError: NO_PACS, pacsNextAt: new Date(now.getTime() + NO_PACS_RECHECK_MS) })
        .where(eq(stills.id, still.id));
      return 'waiting';
    }
    const file = await dicomFile(o.media, still.id, target.instance);
    await storeInstance(url, still.sopInstanceUid, file, { signal: o.signal });
    const attempts = still.pacsAttempts + 1;
    await db
      .update(stills)
      .set({ pacsState: 'sent', pacsAttempts: attempts, pacsError: null, pacsNextAt: null, pacsSentAt: new Date() })
      .where(eq(stills.id, still.id));
    await recordAudit(db, { ...SYSTEM, action: 'pacs.sent', targetType: 'still', targetId: still.id, sessionId: still.sessionId, detail: { attempts } });
    return 'sent';
  } catch (err) {
    if (o.signal?.aborted) {
      // Shutting down: give the still back as it was, for the next start.
      await db.update(stills).set({ pacsNextAt: still.pacsNextAt }).where(eq(stills.id, still.id));
      return 'skipped';
    }
    await recordFailure(db, still, err, now);
    return 'failed';
  }
}

/** The still as a DICOM file. A file gone or not a PNG is a refusal that no retry mends. */
async function dicomFile(media: MediaStore, stillId: string, instance: StillInstance): Promise<Buffer> {
  // A bucket away is not the still's fault: that error is retried like a PACS away.
  const png = await media.read(stillFile(stillId)).catch((err: NodeJS.ErrnoException) => {
    throw new StoreError(`the still’s image file cannot be read: ${err.message}`, { permanent: false });
  });
  if (!png) throw new StoreError('the still’s image file is missing', { permanent: true });
  try {
    return stillToDicom(png, instance);
  } catch (err) {
    throw new StoreError((err as Error).message, { permanent: true });
  }
}

async function recordFailure(db: Db, still: StillRow, err: unknown, now: Date): Promise<void> {
  const failure = err instanceof StoreError ? err : new StoreError(`could not send: ${(err as Error).message ?? String(err)}`, { permanent: false });
  if (!(err instanceof StoreError)) console.error(`pacs: still ${still.id}:`, err);
  const attempts = still.pacsAttempts + 1;
  const nextAt = failure.permanent ? null : new Date(now.getTime() + retryDelay(attempts));
  await db.update(stills).set({ pacsState: 'failed', pacsAttempts: attempts, pacsError: failure.message, pacsNextAt: nextAt }).where(eq(stills.id, still.id));
  // Once per reason, not once per attempt: a PACS down for a day would otherwise fill the log.
  if (still.pacsState === 'failed' && still.pacsError === failure.message) return;
  await recordAudit(db, {
    ...SYSTEM,
    action: 'pacs.failed',
    targetType: 'still',
    targetId: still.id,
    sessionId: still.sessionId,
    detail: { attempts, error: failure.message, retryAt: nextAt?.toISOString() ?? null },
  });
}

/** The instance's header fields and the PACS its site names, from the still's exam. */
async function instanceOf(db: Db, still: StillRow): Promise<{ siteUrl: string | null; instance: StillInstance }> {
  if (!still.examId) throw new StoreError('the still belongs to no exam', { permanent: true });
  const row = await db
    .select({ exam: exams, site: { name: sites.name, dicomwebUrl: sites.dicomwebUrl }, protocol: { name: scanProtocols.name, views: scanProtocols.views } })
    .from(exams)
    .leftJoin(sites, eq(sites.id, exams.siteId))
    .innerJoin(scanProtocols, and(eq(scanProtocols.key, exams.protocolKey), eq(scanProtocols.version, exams.protocolVersion)))
    .where(eq(exams.id, still.examId))
    .get();
  if (!row) throw new StoreError('the still’s exam is gone', { permanent: true });
  const earlier = await db
    .select({ n: count() })
    .from(stills)
    .where(and(eq(stills.examId, still.examId), lte(stills.capturedAt, still.capturedAt)))
    .get();
  const view = row.protocol.views.find((v) => v.key === still.viewKey);
  return {
    siteUrl: row.site?.dicomwebUrl ?? null,
    instance: {
      examId: row.exam.id,
      studyUid: row.exam.studyUid,
      seriesUid: row.exam.seriesUid,
      sopInstanceUid: still.sopInstanceUid,
      patient: row.exam.patient ?? null,
      examStartedAt: row.exam.startedAt,
      capturedAt: still.capturedAt,
      instanceNumber: earlier?.n ?? 1,
      // The study and series descriptions are short (LO, 64 characters) and in English, as a PACS's
      // worklists expect; the view, in the image's comments, also in Chinese for the site's readers.
      protocolName: row.protocol.name.en,
      viewName: view ? bothLanguages(view.name) : (still.viewKey ?? 'freeze frame'),
      institution: row.site?.name ?? null,
    },
  };
}

export type PacsOutbox = {
  /** One pass now, as the loop makes: for tests and for a retry that should not wait. */
  runOnce(now?: Date): Promise<Outcome[]>;
  /** Stops the loop, cancelling a store in flight; resolves when the pass running has ended. */
  stop(): Promise<void>;
};

/** The outbox's periodic job among the cluster's leases. */
const OUTBOX_JOB = 'pacs-outbox';

/**
 * Runs a pass now and `pollMs` after each one ends, until stop(), while this process (`owner`)
 * holds the outbox's lease; another api process takes it over within two polls of this one's end.
 */
export function startPacsOutbox(db: Db, o: Omit<OutboxOptions, 'signal'>, owner: string, pollMs = 5_000): PacsOutbox {
  const abort = new AbortController();
  const options = { ...o, signal: abort.signal };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const pass = () => {
    running = holdsJob(db, OUTBOX_JOB, owner, pollMs)
      .then((holds) => (holds ? runOutboxOnce(db, options) : []))
      .catch((err) => console.error('pacs: outbox pass failed:', err))
      .finally(() => {
        if (abort.signal.aborted) return;
        timer = setTimeout(pass, pollMs);
        timer.unref();
      });
  };
  pass();
  return {
    runOnce: (now) => runOutboxOnce(db, options, now),
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await running;
      await releaseJob(db, OUTBOX_JOB, owner).catch(() => undefined);
    },
  };
}

/** A view's name in English, then in Chinese where it differs: "Right upper quadrant / 右上腹". */
function bothLanguages(name: Words): string {
  return name.zh && name.zh !== name.en ? `${name.en} / ${name.zh}` : name.en;
}
