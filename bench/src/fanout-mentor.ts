/**
 * The mentor of the fan-out measure: the web app's own OpSender on an rtc-node room, fed a pen
 * at 120 points/s, so packets are the ones a mentor's browser sends (one reliable op per
 * 1/60 s frame, the same JSON, the same frame reference).
 */
import type { Room } from '@livekit/rtc-node';
import { toNormalised, type FrameRef } from '@loupe/protocol';
import { OpSender, type SenderDeps } from '../../web/src/lib/annotate/op-sender.ts';
import { now, sleep } from './fanout-receive.ts';

const FRAME_MS = 1000 / 60;
/** One-second strokes, two points a frame: 120 points/s. */
const STROKE_FRAMES = 60;
const POINTS_PER_FRAME = 2;
const PICTURE = { x: 0, y: 0, width: 1280, height: 720 };

/**
 * A frame clock for OpSender, which batches on requestAnimationFrame: callbacks asked for
 * during a frame run at its end, as a browser runs them after that frame's pointer events.
 */
function frameClock() {
  const queued: FrameRequestCallback[] = [];
  const saved = { requestAnimationFrame: globalThis.requestAnimationFrame, cancelAnimationFrame: globalThis.cancelAnimationFrame };
  globalThis.requestAnimationFrame = (cb) => queued.push(cb);
  globalThis.cancelAnimationFrame = () => {};
  return {
    tick: () => queued.splice(0).forEach((cb) => cb(performance.now())),
    restore: () => Object.assign(globalThis, saved),
  };
}

/** The mentor's pen for `seconds`: one-second strokes over a 1280×720 picture, fed once a frame. */
export async function draw(mentor: Room, sentAt: Map<number, number>, seconds: number): Promise<OpSender> {
  const clock = frameClock();
  const start = performance.now();
  const rtpBase = 123_456_789;
  // The frame the mentor looks at: 30 fps video, as requestVideoFrameCallback reports it.
  const frame = (): FrameRef => {
    const media = Math.floor(((performance.now() - start) / 1000) * 30) / 30;
    return { media, rtp: (rtpBase + Math.round(media * 90_000)) % 2 ** 32, presented: Math.round(media * 30) };
  };
  const pen = (i: number) => toNormalised(640 + 500 * Math.sin(i / 47), 360 + 300 * Math.cos(i / 61), PICTURE);
  const sender = new OpSender({
    // OpSender calls only localParticipant.publishData(bytes, { reliable, topic }), which rtc-node has too.
    room: mentor as unknown as SenderDeps['room'],
    author: mentor.localParticipant!.identity,
    now,
    frame,
    still: () => null,
    source: () => null,
    applyOwn: (op) => sentAt.set(op.seq, now()),
  });
  try {
    for (let f = 0; f < seconds * 60; f++) {
      const points = Array.from({ length: POINTS_PER_FRAME }, (_, k) => pen(f * POINTS_PER_FRAME + k));
      if (f % STROKE_FRAMES === 0) sender.beginStroke(points.shift()!, { color: '#00e5ff', width: 'medium' }, false);
      sender.addPoints(points);
      if (f % STROKE_FRAMES === STROKE_FRAMES - 1) sender.endStroke();
      clock.tick();
      await sleep(start + (f + 1) * FRAME_MS - performance.now());
    }
  } finally {
    sender.dispose();
    clock.restore();
  }
  return sender;
}
