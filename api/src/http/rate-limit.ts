/**
 * In-memory rate limits, keyed by account, address or user id. One api process serves a
 * department, so memory is the right store; past one process the limits become per process.
 */
import { SenderRateLimit } from '@loupe/protocol';
import { ApiError } from './errors.ts';

export type Clock = () => number;

/** Requests a minute, and how many may come at once. */
export type Rate = { perMinute: number; burst: number };

/**
 * Forgets the least recently touched keys past `maxKeys`, so that a flood of made-up keys
 * (emails, addresses) cannot exhaust memory; `touch` moves a key to the end.
 */
class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  private readonly maxKeys: number;

  constructor(maxKeys: number) {
    this.maxKeys = maxKeys;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  touch(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.maxKeys) this.map.delete(this.map.keys().next().value!);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

export type BackoffPolicy = {
  /** The failure that brings the first lockout: 5 means the 5th. */
  threshold: number;
  /** The first lockout; each further failure doubles it, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** Failures are forgotten after this long without a failure or a lockout. */
  forgetMs: number;
};

type Failures = { failures: number; inFlight: number; lastAt: number; lockedUntil: number };

/**
 * Exponential lockout after repeated failures (sign-in). An attempt is either refused
 * outright (`begin` returns the wait) or runs and reports its outcome with `end`. Attempts
 * still running count against the threshold, so a burst of parallel guesses gets no more
 * tries than a sequence of them. Refused attempts count for nothing: hammering a locked key
 * does not lengthen its lockout.
 */
export class FailureBackoff {
  private readonly policy: BackoffPolicy;
  private readonly now: Clock;
  private readonly keys: BoundedMap<Failures>;

  constructor(policy: BackoffPolicy, now: Clock = () => Date.now(), maxKeys = 100_000) {
    this.policy = policy;
    this.now = now;
    this.keys = new BoundedMap(maxKeys);
  }

  /** 0 when `key` may try now (the attempt is then running), else the milliseconds to wait. */
  begin(key: string): number {
    const entry = this.current(key);
    const now = this.now();
    if (entry.lockedUntil > now) return entry.lockedUntil - now;
    // Attempts already running could each fail: wait for their outcome before another.
    if (entry.failures + entry.inFlight >= this.policy.threshold && entry.inFlight > 0) return 1000;
    entry.inFlight++;
    this.keys.touch(key, entry);
    return 0;
  }

  /**
   * Ends an attempt `begin` let run: `failed` counts a failure, `reset` forgets the key's
   * failures (a success), `done` neither (a success that must not wipe the slate). Returns the
   * lockout this failure started, in milliseconds, else 0: attempts refused during a lockout
   * never reach here, so each lockout is reported once.
   */
  end(key: string, outcome: 'failed' | 'reset' | 'done'): number {
    const entry = this.current(key);
    let lockMs = 0;
    entry.inFlight = Math.max(0, entry.inFlight - 1);
    if (outcome === 'reset') Object.assign(entry, { failures: 0, lockedUntil: 0 });
    if (outcome === 'failed') {
      const now = this.now();
      entry.failures++;
      entry.lastAt = now;
      const over = entry.failures - this.policy.threshold;
      if (over >= 0) {
        lockMs = Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** over);
        entry.lockedUntil = now + lockMs;
      }
    }
    if (entry.failures === 0 && entry.inFlight === 0) this.keys.delete(key);
    else this.keys.touch(key, entry);
    return lockMs;
  }

  private current(key: string): Failures {
    const entry = this.keys.get(key);
    const quietSince = entry ? Math.max(entry.lastAt, entry.lockedUntil) : 0;
    if (!entry || (entry.inFlight === 0 && this.now() - quietSince > this.policy.forgetMs)) {
      return { failures: 0, inFlight: 0, lastAt: 0, lockedUntil: 0 };
    }
    return entry;
  }
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
 * A per-user limit on one action, e.g. token requests: a token bucket (the one the live
 * room uses for annotation senders) keyed by user id, so its size is bounded by the accounts.
 * @example const limitTokens = perUserLimit(config.rateLimits.tokens, 'token requests'); limitTokens(user);
 */
export function perUserLimit(rate: Rate, what: string): (user: { id: string }) => void {
  const buckets = new SenderRateLimit(rate.perMinute / 60, rate.burst);
  // Refused means less than one token is left: one comes back within 60/perMinute seconds.
  const waitMs = Math.ceil(60_000 / rate.perMinute);
  return (user) => {
    if (!buckets.allow(user.id)) throw tooManyRequests(waitMs, `Too many ${what}; try again in ${formatWait(waitMs)}`);
  };
}
