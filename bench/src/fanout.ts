/**
 * Measure 3 — fan-out: one mentor streams strokes at 120 points/s (the web app's own
 * OpSender) to theatre and N observers through the real livekit-server. Everyone is an
 * @livekit/rtc-node participant holding the token the api mints for their session role; the
 * mentor and theatre live in this process, observers in processes of ten (see
 * fanout-observers.ts). Every receiver takes packets the way the web app does. Reports per N
 * the share of ops delivered (goal 1.0) and the one-way latency (one clock: the machine's).
 * Baseline: the same stream to theatre alone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join as joinPath } from 'node:path';
import type { Room } from '@livekit/rtc-node';
import { livekitRooms, mintRoomToken } from '@loupe/api';
import type { SessionRole } from '@loupe/protocol';
import { startLiveKit, type LiveKit } from '@loupe/stack';
import { childMessages, type NextMessage } from './child-messages.ts';
import { draw } from './fanout-mentor.ts';
import type { FromObservers, ObserversStart } from './fanout-observers.ts';
import { drained, join, receive, until, type Arrivals } from './fanout-receive.ts';
import { cpuSeconds, machineBusySeconds, peakMemoryMiB, percentiles } from './stats.ts';

const OBSERVERS = [10, 50, 100];
/** 720 ops to each receiver a part (120 a second); three rounds of four parts fit the suite's 20 minutes. */
const STREAM_SECONDS = 6;
const OBSERVERS_PER_PROCESS = 10;
const ANNOUNCE_MS = 20_000;
const STOP_GRACE_MS = 5000;
/**
 * The machine busier than this many of its 2 cores while streaming: saturated, and latency is
 * then queueing for CPU (ours, or anything else running; cpu_cores tells which).
 */
const SATURATED_CORES = 1.8;

type Observers = { child: ChildProcess; next: NextMessage<FromObservers> };

/** Starts a process holding some observers; its messages are read in order with `next`. */
function startObservers(start: ObserversStart): Observers {
  const child = fork(joinPath(import.meta.dirname, 'fanout-observers.ts'), {
    // rtc-node logs every connect at debug level unless in production.
    env: { ...process.env, NODE_ENV: 'production', LOUPE_FANOUT_OBSERVERS: JSON.stringify(start) },
  });
  return { child, next: childMessages<FromObservers>(child, 'observers process') };
}

/**
 * Lets an observers' process leave the room and exit by itself (its participants would
 * otherwise linger on the server into the next run), killing it after a while.
 */
async function stopObservers({ child }: Observers): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await once(child, 'exit');
  clearTimeout(timer);
}

/** Mentor, theatre and `observers` observers connected, and each knowing the mentor. */
async function gather(lk: LiveKit, observers: number, rooms: Room[], processes: Observers[]) {
  const room = `fanout-${observers}`;
  // livekit-server opens no room for a token (auto_create off): the api opens a session's room.
  await livekitRooms(lk.httpUrl, lk.apiKey, lk.apiSecret).openRoom(room);
  // Identities are user ids (UUIDs), as in Loupe: they travel in every op.
  const token = async (role: SessionRole) => (await mintRoomToken(lk, room, { id: randomUUID(), name: role }, role)).token;
  const mentor = await join(lk.wsUrl, await token('mentor'));
  const mentorId = mentor.room.localParticipant!.identity;
  rooms.push(mentor.room);
  const started = performance.now();
  const theatre = await join(lk.wsUrl, await token('theatre'));
  rooms.push(theatre.room);
  const connect = [theatre.ms];
  // Ten at a time, as people trickle into a session: a hundred connecting at once time out here.
  for (let i = 0; i < observers; i += OBSERVERS_PER_PROCESS) {
    const count = Math.min(OBSERVERS_PER_PROCESS, observers - i);
    const tokens = await Promise.all(Array.from({ length: count }, () => token('observer')));
    processes.push(startObservers({ url: lk.wsUrl, tokens, mentor: mentorId }));
    connect.push(...(await processes.at(-1)!.next('connected')).connectMs);
  }
  const connectAll = performance.now() - started;
  const announced = () => mentor.room.remoteParticipants.size === observers + 1 && theatre.room.remoteParticipants.has(mentorId);
  if (!(await until(announced, ANNOUNCE_MS))) throw new Error(`participants not announced within ${ANNOUNCE_MS} ms`);
  await Promise.all(processes.map((p) => p.next('ready')));
  return { mentor: mentor.room, theatre: theatre.room, connect, connectAll };
}

/** One run: the stream to theatre and `observers` observers, and what each receiver saw. */
async function fanOut(lk: LiveKit, observers: number) {
  const rooms: Room[] = [];
  const processes: Observers[] = [];
  try {
    const { mentor, theatre, connect, connectAll } = await gather(lk, observers, rooms, processes);
    const atTheatre = receive(theatre);
    const cpu = cpuMeter(lk, processes);
    const before = await cpu();
    const sentAt = new Map<number, number>();
    const sender = await draw(mentor, sentAt, STREAM_SECONDS);
    const after = await cpu();
    for (const p of processes) p.child.send({ type: 'finish', sent: sender.sent });
    const fromObservers = await Promise.all(processes.map((p) => p.next('done')));
    await drained([atTheatre], sender.sent);
    const arrivals = [atTheatre, ...fromObservers.flatMap((m) => m.arrivals)];
    return {
      ...delivery(arrivals, sentAt, sender.sent),
      ops_not_sent: sender.failed,
      connect_ms: percentiles(connect),
      connect_all_ms: Math.round(connectAll),
      cpu_cores: cores(before, after),
      livekit_peak_mib: await peakMemoryMiB(lk.service.child.pid!),
    };
  } finally {
    await Promise.all([...processes.map(stopObservers), ...rooms.map((r) => r.disconnect())]);
  }
}

type Run = Awaited<ReturnType<typeof fanOut>>;

const round2 = (v: number) => Math.round(v * 100) / 100;

/** CPU seconds used so far by the measure's processes, livekit-server and the whole machine. */
function cpuMeter(lk: LiveKit, processes: Observers[]) {
  const own = [process.pid, ...processes.map((p) => p.child.pid!)];
  return async () => ({
    at: performance.now(),
    bench: (await Promise.all(own.map(cpuSeconds))).reduce((a, b) => a + b, 0),
    livekit: await cpuSeconds(lk.service.child.pid!),
    machine: await machineBusySeconds(),
  });
}

/** Cores busy on average between two readings (the machine's count includes anything else running). */
function cores(before: Awaited<ReturnType<ReturnType<typeof cpuMeter>>>, after: typeof before) {
  const seconds = (after.at - before.at) / 1000;
  const busy = (k: 'bench' | 'livekit' | 'machine') => round2((after[k] - before[k]) / seconds);
  return { bench: busy('bench'), livekit: busy('livekit'), machine: busy('machine') };
}

/** Latency of every op that arrived, the share that arrived, and what receivers dropped. */
function delivery(arrivals: Arrivals[], sentAt: Map<number, number>, sent: number) {
  const latencies = arrivals.flatMap((a) => a.ops.map(([seq, at]) => at - sentAt.get(seq)!));
  const received = arrivals.reduce((n, a) => n + new Set(a.ops.map(([seq]) => seq)).size, 0);
  const dropped: Record<string, number> = {};
  for (const a of arrivals) for (const [reason, n] of Object.entries(a.drops)) if (n) dropped[reason] = (dropped[reason] ?? 0) + n;
  return {
    latency_ms: percentiles(latencies),
    delivered_share: Math.round((received / (sent * arrivals.length)) * 1e6) / 1e6,
    receivers: arrivals.length,
    ops_sent: sent,
    op_bytes_mean: Math.round(arrivals.reduce((n, a) => n + a.bytes, 0) / Math.max(1, latencies.length)),
    dropped,
    receive_path_ms: percentiles(arrivals.flatMap((a) => a.receivePath)),
  };
}

/**
 * Theatre alone first (the baseline), then theatre and 10, 50, 100 observers on one
 * livekit-server (its peak memory so far is the peak of the largest run). Stops early, and
 * says so, when the machine cannot hold more: a run failed, or the CPU was saturated.
 */
export async function measureFanout() {
  const lk = await startLiveKit();
  try {
    const alone = await fanOut(lk, 0);
    const runs: Record<string, Run & { saturated: boolean; baseline_p95: number; met: boolean }> = {};
    let held = 0;
    let failed = false;
    let stopped: string | undefined;
    for (const n of OBSERVERS) {
      console.log(`  theatre and ${n} observers…`);
      const run = await fanOut(lk, n).catch((err: unknown) => new Error(String(err)));
      if (run instanceof Error) {
        [failed, stopped] = [true, `failed at ${n} observers: ${run.message}`];
        break;
      }
      const { bench, livekit, machine } = run.cpu_cores;
      const saturated = machine > SATURATED_CORES;
      runs[`observers_${n}`] = { ...run, saturated, baseline_p95: alone.latency_ms.p95, met: run.delivered_share === 1 };
      if (!saturated) held = n;
      else if (n !== OBSERVERS.at(-1)) {
        stopped = `stopped after ${n} observers: ${machine} of 2 cores busy, ${round2(bench + livekit)} of them the measure and livekit-server`;
        break;
      }
    }
    const all = [alone, ...Object.values(runs)];
    return {
      theatre_only: alone,
      ...runs,
      // The most observers streamed to without saturating this machine's CPU.
      machine_holds: held,
      n: all.reduce((n, run) => n + run.latency_ms.n, 0),
      goal: 'delivered_share 1.0 at every N; p99 per N',
      met: !failed && all.every((run) => run.delivered_share === 1),
      ...(stopped ? { stopped } : {}),
    };
  } finally {
    await lk.stop();
  }
}
