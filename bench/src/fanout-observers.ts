/**
 * Observers of the fan-out measure, in a process of their own (started by fanout.ts, talks to
 * it over IPC). rtc-node passes every room's events through one JS thread, each room taking a
 * lock for every event of every room, so one process holding 100 rooms measures itself rather
 * than livekit-server: at 50 rooms the thread was saturated and p95 latency rose to 250 ms.
 *
 * Protocol: started with the url and tokens; → connected (connect times); → ready (every room
 * knows the mentor); ← finish (ops sent); → done (arrivals per room), then this process exits.
 */
import { dispose } from '@livekit/rtc-node';
import { drained, join, receive, until, type Arrivals } from './fanout-receive.ts';

/** What the observers' process is started with, as JSON in LOUPE_FANOUT_OBSERVERS. */
export type ObserversStart = { url: string; tokens: string[]; mentor: string };
export type ToObservers = { type: 'finish'; sent: number };
export type FromObservers =
  { type: 'connected'; connectMs: number[] } | { type: 'ready' } | { type: 'done'; arrivals: Arrivals[] } | { type: 'error'; message: string };

const ANNOUNCE_MS = 20_000;

const tell = (message: FromObservers) => new Promise((resolve) => process.send!(message, undefined, {}, resolve));
function finished(): Promise<ToObservers> {
  return new Promise((resolve) => process.once('message', (m: ToObservers) => resolve(m)));
}

async function main() {
  const { url, tokens, mentor } = JSON.parse(process.env.LOUPE_FANOUT_OBSERVERS!) as ObserversStart;
  const joined = await Promise.all(tokens.map((token) => join(url, token)));
  const arrivals = joined.map(({ room }) => receive(room));
  await tell({ type: 'connected', connectMs: joined.map((j) => j.ms) });
  if (!(await until(() => joined.every(({ room }) => room.remoteParticipants.has(mentor)), ANNOUNCE_MS))) {
    throw new Error(`the mentor was not announced to every observer within ${ANNOUNCE_MS} ms`);
  }
  await tell({ type: 'ready' });
  const { sent } = await finished();
  await drained(arrivals, sent);
  await tell({ type: 'done', arrivals });
  await Promise.all(joined.map(({ room }) => room.disconnect()));
  await dispose();
  process.disconnect();
}

main().catch(async (err: unknown) => {
  await tell({ type: 'error', message: String(err) });
  process.exit(1);
});
