/**
 * The catch-up (issue 6): livekit-server retries a failed webhook 4 times, 1, 2, 4 and 8 s
 * apart (measured with livekit-server 1.13.5), so the joins of an api outage longer than that
 * never arrive. At start and every LOUPE_LIVEKIT_CATCH_UP_SECONDS after, the api asks
 * livekit-server who is in each open room and records each join it has not stored yet, once
 * (joins.ts), as the webhook would have.
 *
 * It asks livekit-server which rooms are open rather than the database which sessions are live:
 * a room opens at its first join, before or without "start"; an ended session's room stays open
 * while closing it fails; and sessions scheduled but never ended would be asked about forever.
 *
 * What it cannot recover: someone who joined and left while the api was down. livekit-server
 * only says who is there now, and keeps no history the api could ask for.
 */
import type { Db } from '../db/client.ts';
import { holdsJob, releaseJob } from '../leases/lease.ts';
import { catchUpEventId, joinKey, recordJoin, storedJoins } from './joins.ts';
import type { RoomControl } from './rooms.ts';
import { admit } from './admission.ts';

/**
 * Records every join livekit-server shows that the api has not stored; returns how many.
 * Safe to run twice, or beside webhooks for the same joins: each join is stored and audited once.
 */
export async function catchUpJoins(db: Db, rooms: RoomControl, signal?: AbortSignal): Promise<number> {
  let recorded = 0;
  for (const room of await rooms.listRooms()) {
    // One read a room; only a join not stored yet is written (recordJoin still guards the race
    // with a webhook arriving meanwhile). Every present participant was one write a round.
    const stored = await storedJoins(db, room);
    for (const participant of await rooms.listParticipants(room)) {
      signal?.throwIfAborted();
      // Everyone in the room is checked against the session each round: a join whose webhook
      // was lost, or a check that failed, is put right here (admission.ts).
      await admit(db, rooms, room, participant);
      if (stored.has(joinKey(participant.identity, participant.joinedAt))) continue;
      const occurredAt = new Date(participant.joinedAt * 1000);
      const id = catchUpEventId(room, participant);
      // Shaped like the webhook's body, so that both kinds of row read the same way.
      const payload = {
        event: 'participant_joined',
        id,
        createdAt: String(participant.joinedAt),
        room: { name: room },
        participant,
        source: 'catch-up',
      };
      if (await recordJoin(db, { id, room, participant, occurredAt, source: 'catch-up', payload })) recorded++;
    }
  }
  return recorded;
}

/**
 * Catches up now and then every `everyMs` until the returned stop() is called; stop() resolves
 * once a round under way has stopped. A failed round (livekit-server unreachable) is logged
 * once until a round succeeds again, and retried at the next one.
 */
export function startJoinCatchUp(db: Db, rooms: RoomControl, everyMs: number, owner: string): () => Promise<void> {
  const stopping = new AbortController();
  let failing = false;
  let running: Promise<void> | null = null;
  const round = async () => {
    try {
      // One api process of a cluster catches up each round (api/src/leases/lease.ts).
      if (!(await holdsJob(db, 'livekit-catch-up', owner, everyMs))) return;
      const recorded = await catchUpJoins(db, rooms, stopping.signal);
      if (failing) console.log('livekit catch-up: livekit-server answers again');
      failing = false;
      if (recorded > 0) console.log(`livekit catch-up: recorded ${recorded} room join(s) the webhooks missed`);
    } catch (err) {
      if (stopping.signal.aborted || failing) return;
      failing = true;
      console.error('livekit catch-up failed, retrying every round:', reason(err));
    }
  };
  // A round slower than the period (a very slow livekit-server) is not run twice at once.
  const next = () => {
    running ??= round().finally(() => (running = null));
  };
  next();
  const timer = setInterval(next, everyMs);
  // Never what keeps the process alive: a join missed at shutdown is found at the next start.
  timer.unref();
  return async () => {
    clearInterval(timer);
    stopping.abort();
    await running;
    await releaseJob(db, 'livekit-catch-up', owner).catch(() => undefined);
  };
}

/** fetch's own message is only "fetch failed"; the refused connection is in its cause. */
function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message} (${err.cause.message})` : err.message;
}
