/**
 * Leases: work that must run in one place at a time — a recording one recorder worker writes, a
 * periodic job one api process runs — is held by an owner until an expiry, renewed by the
 * holder and taken over by another once it lapses. Each take and renewal is one conditional
 * upsert, atomic on a libSQL file and on a libSQL server alike, so no clock or lock outside
 * the database is trusted. The epoch grows whenever the lease changes hands (or lapsed and was
 * taken again): it is the fencing token a holder's writes carry.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { leases } from '../db/schema.ts';

export type Lease = typeof leases.$inferSelect;

/**
 * Takes `name` for `owner` until `ttlMs` from now, or renews it if `owner` holds it; null when
 * another owner holds it and it has not expired. A renewal keeps the epoch; a take after it
 * lapsed, by anyone, moves it on.
 */
export async function takeLease(db: Db, name: string, owner: string, ttlMs: number, now = Date.now()): Promise<Lease | null> {
  const expiresAt = new Date(now + ttlMs);
  const [row] = await db
    .insert(leases)
    .values({ name, owner, epoch: 1, expiresAt })
    .onConflictDoUpdate({
      target: leases.name,
      set: {
        owner,
        expiresAt,
        epoch: sql`CASE WHEN ${leases.owner} = ${owner} AND ${leases.expiresAt} > ${now} THEN ${leases.epoch} ELSE ${leases.epoch} + 1 END`,
      },
      where: sql`${leases.owner} = ${owner} OR ${leases.expiresAt} <= ${now}`,
    })
    .returning();
  return row ?? null;
}

/** The lease on `name` as it stands (expired or not), or undefined if nobody ever took it. */
export async function currentLease(db: Db, name: string): Promise<Lease | undefined> {
  return db.select().from(leases).where(eq(leases.name, name)).get();
}

/** Ends `owner`'s lease on `name`, if it still holds it: the work is done. */
export async function releaseLease(db: Db, name: string, owner?: string): Promise<void> {
  await db.delete(leases).where(owner ? and(eq(leases.name, name), eq(leases.owner, owner)) : eq(leases.name, name));
}

/**
 * Whether this process runs periodic job `name` this round: it takes (or renews) the lease
 * `job:<name>` for one and a half periods, so that however many api processes run the job it
 * runs in one of them, and another takes it over within about two periods of that one's death.
 */
export async function holdsJob(db: Db, name: string, owner: string, everyMs: number): Promise<boolean> {
  return (await takeLease(db, `job:${name}`, owner, Math.round(everyMs * 1.5))) !== null;
}

/** Gives up job `name` (the process is stopping): another process takes it at its next round. */
export async function releaseJob(db: Db, name: string, owner: string): Promise<void> {
  await releaseLease(db, `job:${name}`, owner);
}

/**
 * Runs `job` now and every `everyMs` in whichever api process holds its lease (`holdsJob`).
 * Returns stop(), which ends the timer, waits for a round under way and gives the lease up.
 */
export function runOncePerCluster(db: Db, o: { name: string; owner: string; everyMs: number; job: () => Promise<unknown> }): () => Promise<void> {
  let running: Promise<void> | null = null;
  const round = async () => {
    try {
      if (await holdsJob(db, o.name, o.owner, o.everyMs)) await o.job();
    } catch (err) {
      console.error(`${o.name} failed:`, err instanceof Error ? err.message : err);
    }
  };
  // A round slower than the period is not run twice at once.
  const next = () => void (running ??= round().finally(() => (running = null)));
  next();
  const timer = setInterval(next, o.everyMs);
  // Never what keeps the process alive: shutdown stops it, and a round cut short runs next time.
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
    await releaseJob(db, o.name, o.owner).catch(() => undefined);
  };
}
