/**
 * What every receiver (browser, recorder) does with an annotation packet before obeying it:
 * size, JSON, version, schema, author = server-stamped sender, sender's role may draw, and a
 * per-sender rate limit. Anything wrong is dropped and counted; nothing throws.
 */
import { ANNOTATION_VERSION, AnnotationOp, MAX_OP_BYTES } from './annotation.ts';
import { BOOKMARK_ROLES, canDraw, SESSION_ROLES, type SessionRole } from './roles.ts';

export const DROP_REASONS = ['oversized', 'malformed', 'unknown_version', 'invalid', 'not_author', 'not_allowed', 'rate_limited', 'out_of_time'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** The sender as livekit-server stamped it; `role` comes from server-set participant attributes. */
export type Sender = { identity: string; role: string | undefined };

/**
 * How far an op's time may be from the receiver's session clock. Ops are sent as they are made:
 * a minute covers a late delivery and a clock the api calibrated roughly. Past it, an op would
 * rule over everything after it (a `clear` dated years ahead hides every later drawing, a
 * `freeze` can never be lifted), live and in the case.
 */
export const MAX_OP_CLOCK_SKEW_MS = 60_000;

/** `version`: with `unknown_version`, the version the op came in, when it says one. */
export type Received = { ok: true; op: AnnotationOp } | { ok: false; reason: DropReason; version?: number };

/**
 * Who is out of date when an op comes in another version: the receiver (the op is newer; this
 * page must reload) or the sender (it is older; the receiver tells it so, TOPICS.version).
 */
export function outdatedSide(version: number): 'receiver' | 'sender' {
  return version > ANNOTATION_VERSION ? 'receiver' : 'sender';
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function roleOf(attributes: Record<string, string> | undefined): SessionRole | undefined {
  const role = attributes?.role;
  return (SESSION_ROLES as readonly string[]).includes(role ?? '') ? (role as SessionRole) : undefined;
}

/** Checks a packet as every receiver does; `now` is the receiver's session clock (epoch ms). */
export function parseOpPacket(payload: Uint8Array, sender: Sender, now: number): Received {
  if (payload.byteLength > MAX_OP_BYTES) return { ok: false, reason: 'oversized' };
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(payload));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof json !== 'object' || json === null) return { ok: false, reason: 'malformed' };
  const v = (json as { v?: unknown }).v;
  if (v !== ANNOTATION_VERSION) {
    return { ok: false, reason: 'unknown_version', ...(Number.isInteger(v) && (v as number) >= 1 ? { version: v as number } : {}) };
  }
  const parsed = AnnotationOp.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'invalid' };
  if (parsed.data.author !== sender.identity) return { ok: false, reason: 'not_author' };
  const role = sender.role;
  if (!role || !(SESSION_ROLES as readonly string[]).includes(role)) return { ok: false, reason: 'not_allowed' };
  const allowed = parsed.data.kind === 'bookmark' ? BOOKMARK_ROLES.includes(role as SessionRole) : canDraw(role as SessionRole);
  if (!allowed) return { ok: false, reason: 'not_allowed' };
  if (Math.abs(parsed.data.t - now) > MAX_OP_CLOCK_SKEW_MS) return { ok: false, reason: 'out_of_time' };
  return { ok: true, op: parsed.data };
}

/**
 * Token bucket per sender. A mentor drawing fast sends about 60 ops a second (one per
 * animation frame); the default allows bursts well above that and stops floods.
 */
export class SenderRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perSecond: number;
  private readonly burst: number;

  constructor(perSecond = 240, burst = 480) {
    this.perSecond = perSecond;
    this.burst = burst;
  }

  allow(sender: string, now = Date.now()): boolean {
    const bucket = this.buckets.get(sender) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(sender, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/** Counts of dropped packets by reason, for diagnostics and tests. */
export class DropCounter {
  readonly counts: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;

  add(reason: DropReason): void {
    this.counts[reason]++;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}
