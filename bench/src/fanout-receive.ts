/**
 * One receiving participant of the fan-out measure (theatre or an observer), shared by the
 * measure's own process and its observer processes.
 */
import { Room, RoomEvent } from '@livekit/rtc-node';
import { DropCounter, OverlayState, SenderRateLimit, TOPICS, parseOpPacket, roleOf, type DropReason } from '@loupe/protocol';

/** Epoch milliseconds, sub-millisecond and the same in every process on this machine. */
export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Polls `done` until it holds; false if `timeoutMs` passed first. */
export async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Waits until the receivers have `sent` ops each, for as long as ops keep coming: a run that
 * fell behind still delivers, and an op is only counted lost once nothing arrived for `stallMs`.
 */
export async function drained(receivers: Arrivals[], sent: number, stallMs = 5000, capMs = 30_000): Promise<void> {
  const cap = performance.now() + capMs;
  const count = () => receivers.reduce((n, r) => n + r.ops.length, 0);
  let last = -1;
  let lastChange = performance.now();
  while (count() < sent * receivers.length && performance.now() - lastChange < stallMs && performance.now() < cap) {
    if (count() !== last) [last, lastChange] = [count(), performance.now()];
    await sleep(50);
  }
}

/** What one receiver saw: each op's sequence number and arrival time, and what it dropped. */
export type Arrivals = { ops: [seq: number, at: number][]; bytes: number; receivePath: number[]; drops: Record<DropReason, number> };

/** Connects one participant; how long that took. */
export async function join(url: string, token: string): Promise<{ room: Room; ms: number }> {
  const room = new Room();
  const started = performance.now();
  await room.connect(url, token, { autoSubscribe: true, dynacast: false });
  return { room, ms: performance.now() - started };
}

/**
 * Takes ops as the web app's OverlaySync does (rate limit, parseOpPacket, apply to the overlay)
 * and notes when each arrived and how long the receive path took.
 */
export function receive(room: Room): Arrivals {
  const drops = new DropCounter();
  const seen: Arrivals = { ops: [], bytes: 0, receivePath: [], drops: drops.counts };
  const limit = new SenderRateLimit();
  const overlay = new OverlayState();
  room.on(RoomEvent.DataReceived, (payload, from, _kind, topic) => {
    const arrived = now();
    if (topic !== TOPICS.ops) return;
    // No participant: sent before the mentor was announced here (the clock starts after that).
    if (!from) return drops.add('not_allowed');
    if (!limit.allow(from.identity)) return drops.add('rate_limited');
    const got = parseOpPacket(payload, { identity: from.identity, role: roleOf(from.attributes) }, Date.now());
    if (!got.ok) return drops.add(got.reason);
    overlay.apply(got.op);
    seen.receivePath.push(now() - arrived);
    seen.ops.push([got.op.seq, arrived]);
    seen.bytes += payload.byteLength;
  });
  return seen;
}
