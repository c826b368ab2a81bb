/**
 * Rate limits, keyed by account, address or user id, kept in the database so that every api
 * process of a cluster counts against the same limits (issue 17): a guesser spreading attempts
 * over several api processes gets no more tries than against one. Each check is one atomic
 * statement or one immediate (write-locked) transaction, on a libSQL file and server alike.
 */
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { rateLimits } from '../db/schema.ts';
import { ApiError } from './errors.ts';

export type Clock = () => number;

/** Requests a minute, and how many may come at once. */
export type Rate = { perMinute: number; burst: number };

export type BackoffPolicy = {
  /** The failure that brings the first lockout: 5 means the 5th. */
  threshold: number;
  /** The first lockout; each further failure doubles it, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** Failures are forgotten after this long without a failure or a lockout. */
  forgetMs: number;
};

/**
 * An attempt begun this long ago is no longer counted as running: its process died before it
 * ended (an attempt's password check takes well under a second).
 */
const IN_FLIGHT_MS = 60_000;
/** Rows untouched this long are removed by `pruneRateLimits` (a token bucket left that long is full again). */
const PRUNE_AFTER_MS = 3_600_000;

/**
 * Exponential lockout after repeated failures (sign-in). An attempt is either refused
 * outright (`begin` returns the wait) or runs and reports its outcome with `end`. Attempts
 * still running count against the threshold, so a burst of parallel guesses gets no more
 * tries than a sequence of them. Refused attempts count for nothing: hammering a locked key
 * does not lengthen its lockout. Keys live under `scope` in the shared rate_limits table; each
 * step is one conditional statement (no transaction: libSQL's local driver is synchronous, and
 * two transactions of one process waiting on each other would only time out).
 */
export class FailureBackoff {
  private readonly db: Db;
  private readonly scope: string;
  private readonly policy: BackoffPolicy;
  private readonly now: Clock;

  constructor(db: Db, scope: string, policy: BackoffPolicy, now: Clock = () => Date.now()) {
    this.db = db;
    this.scope = scope;
    this.policy = policy;
    this.now = now;
  }

  /** Attempts running now: one begun over IN_FLIGHT_MS ago was lost with its process. */
  private inFlight(now: number) {
    return sql`(CASE WHEN ${now} - ${rateLimits.updatedAt} > ${IN_FLIGHT_MS} THEN 0 ELSE ${rateLimits.inFlight} END)`;
  }

  /** 0 when `key` may try now (the attempt is then running), else the milliseconds to wait. */
  async begin(key: string): Promise<number> {
    const id = `${this.scope}:${key}`;
    const now = this.now();
    const running = this.inFlight(now);
    // Quiet for forgetMs with nothing running: its failures are forgotten.
    const forgotten = sql`(${running} = 0 AND ${now} - max(${rateLimits.lastAt}, ${rateLimits.lockedUntil}) > ${this.policy.forgetMs})`;
    const failures = sql`(CASE WHEN ${forgotten} THEN 0 ELSE ${rateLimits.failures} END)`;
    const [begun] = await this.db
      .insert(rateLimits)
      .values({ key: id, inFlight: 1, updatedAt: now })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          failures,
          lastAt: sql`(CASE WHEN ${forgotten} THEN 0 ELSE ${rateLimits.lastAt} END)`,
          inFlight: sql`${running} + 1`,
          updatedAt: now,
        },
        // Not locked, and not as many attempts running as could bring a lockout.
        where: sql`${rateLimits.lockedUntil} <= ${now} AND NOT (${failures} + ${running} >= ${this.policy.threshold} AND ${running} > 0)`,
      })
      .returning({ key: rateLimits.key });
    if (begun) return 0;
    const row = await this.db.select().from(rateLimits).where(eq(rateLimits.key, id)).get();
    // Locked: until the lock ends; else attempts are running: wait for their outcome.
    return row && row.lockedUntil > now ? row.lockedUntil - now : 1000;
  }

  /**
   * Ends an attempt `begin` let run: `failed` counts a failure, `reset` forgets the key's
   * failures (a success), `done` neither (a success that must not wipe the slate). Returns the
   * lockout this failure started, in milliseconds, else 0: attempts refused during a lockout
   * never reach here, so each lockout is reported once.
   */
  async end(key: string, outcome: 'failed' | 'reset' | 'done'): Promise<number> {
    const id = `${this.scope}:${key}`;
    const now = this.now();
    const failed = outcome === 'failed';
    const [row] = await this.db
      .update(rateLimits)
      .set({
        inFlight: sql`max(0, ${this.inFlight(now)} - 1)`,
        failures: outcome === 'reset' ? 0 : failed ? sql`${rateLimits.failures} + 1` : rateLimits.failures,
        ...(outcome === 'reset' ? { lockedUntil: 0 } : {}),
        ...(failed ? { lastAt: now } : {}),
        updatedAt: now,
      })
      .where(eq(rateLimits.key, id))
      .returning({ failures: rateLimits.failures });
    const over = failed && row ? row.failures - this.policy.threshold : -1;
    if (over < 0) return 0;
    const lockMs = Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** over);
    // Two failures ending at once each lock; the longer lock stands.
    await this.db
      .update(rateLimits)
      .set({ lockedUntil: sql`max(${rateLimits.lockedUntil}, ${now + lockMs})` })
      .where(eq(rateLimits.key, id));
    return lockMs;
  }
}

/**
 * Removes limits nobody touched for an hour: a flood of made-up keys (emails, addresses) does
 * not grow the table for good. A bucket left that long is full again; failures are forgotten
 * after an hour of quiet (sign-in-limit.ts), and a lockout lasts at most 15 minutes.
 */
export async function pruneRateLimits(db: Db, now = Date.now()): Promise<void> {
  await db
    .delete(rateLimits)
    .where(and(lt(rateLimits.updatedAt, now - PRUNE_AFTER_MS), lt(rateLimits.lockedUntil, now), lt(rateLimits.lastAt, now - PRUNE_AFTER_MS)));
}

/** "12 seconds", "3 minutes": how long to wait, in words for the error message. */
export function formatWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** A 429 in the error shape, with Retry-After in whole seconds (RFC 9110 §10.2.3). */
export function tooManyRequests(waitMs: number, message: string): ApiError {
  return new ApiError(429, 'rate_limited', message, { headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) } });
}

/**
 * A per-user limit on one action, e.g. token requests: a token bucket (the one the live room
 * uses for annotation senders, there in memory) keyed by user id, shared by every api process:
 * one conditional upsert refills the bucket for the time passed and takes a token, or refuses.
 * @example const limitTokens = perUserLimit(db, config.rateLimits.tokens, 'token requests'); await limitTokens(user);
 */
export function perUserLimit(db: Db, rate: Rate, what: string, now: Clock = () => Date.now()): (user: { id: string }) => Promise<void> {
  const perMs = rate.perMinute / 60_000;
  // Refused means less than one token is left: one comes back within 60/perMinute seconds.
  const waitMs = Math.ceil(60_000 / rate.perMinute);
  return async (user) => {
    const at = now();
    const refilled = sql`min(${rate.burst}, ${rateLimits.tokens} + max(0, ${at} - ${rateLimits.updatedAt}) * ${perMs})`;
    const [taken] = await db
      .insert(rateLimits)
      .values({ key: `${what}:${user.id}`, tokens: rate.burst - 1, updatedAt: at })
      .onConflictDoUpdate({ target: rateLimits.key, set: { tokens: sql`${refilled} - 1`, updatedAt: at }, where: sql`${refilled} >= 1` })
      .returning({ tokens: rateLimits.tokens });
    if (!taken) throw tooManyRequests(waitMs, `Too many ${what}; try again in ${formatWait(waitMs)}`);
  };
}
