/**
 * One live session of the load test, in a process of its own (started by load.test.ts, talks to
 * it over IPC): theatre publishing the numbered picture, a mentor drawing a stroke a second with
 * the web app's own OpSender, three observers. Theatre and the observers take ops the way the
 * web app does (fanout-receive.ts). rtc-node runs every room's events through one JS thread, so
 * each session gets its own: twenty sessions in one process would measure that thread.
 *
 * Protocol: started with the tokens and the picture (LOUPE_LOAD_SESSION, JSON) → ready (all five
 * connected, the viewers receiving the picture, theatre and observers knowing the mentor) →
 * recording (REC shows in the mentor's room, and the mentor starts drawing) ← finish → done
 * (what was sent and received) ← leave, then the process exits; it also exits if the test's
 * process goes.
 */
import { Room, TrackKind, VideoCodec, dispose } from '@livekit/rtc-node';
import type { Point } from '@loupe/protocol';
import { OpSender, type SenderDeps } from '../../web/src/lib/annotate/op-sender.ts';
import { NumberedPicture, publishNumberedPicture } from '../../recorder/test/numbered-picture.ts';
import { drained, join, receive, sleep, until, type Arrivals } from '../src/fanout-receive.ts';

export type Picture = { width: number; height: number; fps: number };
/** What a session's process is started with, as JSON in LOUPE_LOAD_SESSION. */
export type SessionStart = { url: string; theatre: string; mentor: string; observers: string[]; picture: Picture };
export type ToSession = { type: 'finish' } | { type: 'leave' };
/** One receiver's count of the mentor's ops, by sequence number. */
export type ReceiverCount = { who: string; received: number; missing: number; duplicates: number; unexpected: number; dropped: number };
export type SessionReport = {
  mentor: string;
  /** Sequence numbers of every op the mentor handed to LiveKit, in order. */
  sent: number[];
  /** Ops LiveKit refused to send. */
  notSent: number;
  receivers: ReceiverCount[];
  /**
   * Frames theatre captured while the mentor drew (numbers `captured[0]` … `captured[1]` − 1: from
   * REC showing to `finish`), and how many of them its encoder turned out and sent.
   */
  captured: [from: number, to: number];
  encoded: number;
  /** Over the drawing window: frames a second theatre's encoder turned out, and each observer decoded. */
  encodedFps: number;
  observerFps: number[];
  /** Video packets the observers lost over the drawing window. */
  observerPacketsLost: number;
  /** What the encoder sent at the end, and what limited it (WebRTC's qualityLimitationReason). */
  sentSize: string;
  qualityLimitation: string;
};
export type FromSession = { type: 'ready' } | { type: 'recording' } | { type: 'done'; report: SessionReport } | { type: 'error'; message: string };

// What the web theatre asks of its browser (web/src/lib/room/publish-picture.ts), but one layer:
// every subscriber here takes the top one, and a smaller layer would only take cores. Short of
// CPU, the encoder keeps the resolution and drops frames, as the browser is told to
// (DegradationPreference.MAINTAIN_RESOLUTION, which rtc-node does not export).
const publishOptions = (fps: number) => ({
  videoCodec: VideoCodec.H264,
  simulcast: false,
  videoEncoding: { maxBitrate: 6_000_000n, maxFramerate: fps },
  degradationPreference: 2,
});
const FRAME_MS = 1000 / 60;
/** A stroke a second: the pen down for a quarter of it, two points an animation frame. */
const STROKE_FRAMES = 15;
const STYLE = { color: '#00e5ff', width: 'medium' } as const;
const CONNECTED_MS = 60_000;

// OpSender batches a stroke's points once per animation frame, as in the mentor's browser: here
// an animation frame is a 60 Hz timer.
globalThis.requestAnimationFrame = (cb) => Number(setTimeout(() => cb(performance.now()), FRAME_MS));
globalThis.cancelAnimationFrame = (handle) => clearTimeout(handle);

const tell = (message: FromSession) => new Promise((resolve) => process.send!(message, undefined, {}, resolve));
const message = (type: ToSession['type']) => new Promise<void>((resolve) => process.on('message', (m: ToSession) => m.type === type && resolve()));

/** Point `i` of stroke `s`, in the picture's normalised coordinates: wavy lines across it, each a little lower. */
function pen(s: number, i: number): Point {
  return [0.1 + (0.8 * i) / (2 * STROKE_FRAMES), 0.2 + 0.6 * ((s * 0.37) % 1) + 0.05 * Math.sin(i / 3)];
}

/** The mentor draws a stroke a second until `stop` holds, then finishes the one under way. */
async function draw(sender: OpSender, stop: () => boolean): Promise<void> {
  for (let s = 0; !stop(); s++) {
    const started = performance.now();
    sender.beginStroke(pen(s, 0), STYLE, false);
    for (let f = 1; f <= STROKE_FRAMES; f++) {
      await sleep(started + f * FRAME_MS - performance.now());
      sender.addPoints([pen(s, 2 * f - 1), pen(s, 2 * f)]);
    }
    sender.endStroke();
    await sleep(started + 1000 - performance.now());
  }
}

/** Whether `room` receives the theatre's picture (subscribed to a video track). */
function receivesPicture(room: Room): boolean {
  return [...room.remoteParticipants.values()].some((p) =>
    [...p.trackPublications.values()].some((t) => t.kind === TrackKind.KIND_VIDEO && t.subscribed && t.track !== undefined),
  );
}

function recordingShown(room: Room): boolean {
  try {
    return (JSON.parse(room.metadata || '{}') as { recording?: unknown }).recording === 'recording';
  } catch {
    return false;
  }
}

// WebRTC's qualityLimitationReason, by its number in rtc-node's stats.
const LIMITATION = ['none', 'cpu', 'bandwidth', 'other'];

/**
 * Video so far: frames `room` encoded (as publisher), frames it decoded and packets it lost (as
 * subscriber), and the encoder's state. With one peer connection for both directions, as
 * livekit-server offers rtc-node, every figure is in `publisherStats`; both lists are read.
 */
async function videoStats(room: Room) {
  const { publisherStats, subscriberStats } = await room.getRtcStats();
  const video = { encoded: 0, decoded: 0, lost: 0, sentSize: '', qualityLimitation: '' };
  for (const { stats } of [...publisherStats, ...subscriberStats]) {
    if (stats.case === 'outboundRtp' && stats.value.stream?.kind === 'video') {
      video.encoded += stats.value.outbound?.framesEncoded ?? 0;
      video.sentSize = `${stats.value.outbound?.frameWidth}x${stats.value.outbound?.frameHeight}`;
      video.qualityLimitation = LIMITATION[stats.value.outbound?.qualityLimitationReason ?? 3] ?? 'other';
    }
    if (stats.case === 'inboundRtp' && stats.value.stream?.kind === 'video') {
      video.decoded += stats.value.inbound?.framesDecoded ?? 0;
      video.lost += Number(stats.value.received?.packetsLost ?? 0n);
    }
  }
  return video;
}

function count(who: string, arrivals: Arrivals, sent: number[]): ReceiverCount {
  const seqs = arrivals.ops.map(([seq]) => seq);
  const distinct = new Set(seqs);
  const wanted = new Set(sent);
  return {
    who,
    received: distinct.size,
    missing: sent.filter((seq) => !distinct.has(seq)).length,
    duplicates: seqs.length - distinct.size,
    unexpected: [...distinct].filter((seq) => !wanted.has(seq)).length,
    dropped: Object.values(arrivals.drops).reduce((a, b) => a + b, 0),
  };
}

async function main() {
  const start = JSON.parse(process.env.LOUPE_LOAD_SESSION!) as SessionStart;
  const finish = message('finish');
  const leave = message('leave');
  const theatre = (await join(start.url, start.theatre)).room;
  const mentor = (await join(start.url, start.mentor)).room;
  const observers = await Promise.all(start.observers.map(async (token) => (await join(start.url, token)).room));
  const rooms = [theatre, mentor, ...observers];
  const { width, height, fps } = start.picture;
  const publisher = await publishNumberedPicture(theatre, new NumberedPicture(width, height, { moving: true }), {
    fps,
    publish: publishOptions(fps),
  });
  const mentorId = mentor.localParticipant!.identity;
  const receivers = [theatre, ...observers];
  const arrivals = receivers.map(receive);
  const connected = () => receivers.every((r) => r.remoteParticipants.has(mentorId)) && [mentor, ...observers].every(receivesPicture);
  if (!(await until(connected, CONNECTED_MS))) throw new Error(`not everyone was connected and receiving within ${CONNECTED_MS} ms`);
  await tell({ type: 'ready' });

  // The test asks for the recording once every session is open, and says how long REC may take.
  await until(() => recordingShown(mentor), Infinity);
  const sent: number[] = [];
  const sender = new OpSender({
    // OpSender calls only localParticipant.publishData(bytes, { reliable, topic }), which rtc-node has too.
    room: mentor as unknown as SenderDeps['room'],
    author: mentorId,
    now: () => Date.now(),
    // The mentor's view of the picture is not read here (it would cost a decode per frame).
    frame: () => null,
    still: () => null,
    source: () => null,
    applyOwn: (op) => sent.push(op.seq),
  });
  const before = {
    at: performance.now(),
    captured: publisher.sent,
    theatre: await videoStats(theatre),
    observers: await Promise.all(observers.map(videoStats)),
  };
  await tell({ type: 'recording' });
  let finishing = false;
  void finish.then(() => (finishing = true));
  await draw(sender, () => finishing);
  sender.dispose();
  const captured: [number, number] = [before.captured, publisher.sent];
  const seconds = (performance.now() - before.at) / 1000;
  const after = { theatre: await videoStats(theatre), observers: await Promise.all(observers.map(videoStats)) };
  await drained(arrivals, sent.length);
  const names = ['theatre', ...observers.map((_, i) => `observer ${i + 1}`)];
  await tell({
    type: 'done',
    report: {
      mentor: mentorId,
      sent,
      notSent: sender.failed,
      receivers: arrivals.map((a, i) => count(names[i]!, a, sent)),
      captured,
      encoded: after.theatre.encoded - before.theatre.encoded,
      encodedFps: (after.theatre.encoded - before.theatre.encoded) / seconds,
      observerFps: after.observers.map((o, i) => (o.decoded - before.observers[i]!.decoded) / seconds),
      observerPacketsLost: after.observers.reduce((n, o, i) => n + o.lost - before.observers[i]!.lost, 0),
      sentSize: after.theatre.sentSize,
      qualityLimitation: after.theatre.qualityLimitation,
    },
  });

  await leave;
  await publisher.stop();
  await Promise.all(rooms.map((r) => r.disconnect()));
  await dispose();
  process.exit(0);
}

// The test's process gone (it failed, or its runner was killed): leave with it, not linger in the rooms.
process.once('disconnect', () => process.exit(1));

main().catch(async (err: unknown) => {
  await tell({ type: 'error', message: String(err instanceof Error ? (err.stack ?? err.message) : err) });
  process.exit(1);
});
