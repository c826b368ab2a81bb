/**
 * Measure 6 — canvas: frame times on the theatre page with 1 000 annotations on the picture
 * while a new stroke streams in (120 points/s). Goal: p95 ≤ 16.7 ms, and every streamed point
 * drawn (the page counts the points it draws). The 1 000 annotations and
 * the stroke come from a mentor connected with @livekit/rtc-node through the real stack.
 */
import { ANNOTATION_VERSION } from '@loupe/protocol';
import { Room } from '@livekit/rtc-node';
import type { Page } from 'playwright-core';
import { LIVE, withLiveTheatre, type LiveScene } from './live-scene.ts';
import { percentiles } from './stats.ts';

const ANNOTATIONS = 1000;
const STROKE_SECONDS = 5;
const POINTS_PER_SECOND = 120;
/**
 * Chromium coarsens performance.now() to 0.1 ms without cross-origin isolation, so frames shown
 * at every 60 Hz vsync read as 16.6, 16.7 or 16.8 ms (the empty page's own p99 is 16.8); a
 * missed vsync reads as ~33 ms.
 */
const TIMER_RESOLUTION_MS = 0.1;

/** Intervals between animation frames on `page` over `seconds`. */
export function frameTimes(page: Page, seconds: number): Promise<number[]> {
  return page.evaluate(
    (s) =>
      new Promise<number[]>((resolve) => {
        const out: number[] = [];
        let last = performance.now();
        const end = last + s * 1000;
        const loop = (now: number) => {
          out.push(now - last);
          last = now;
          if (now < end) requestAnimationFrame(loop);
          else resolve(out.slice(1));
        };
        requestAnimationFrame(loop);
      }),
    seconds,
  );
}

/** A mentor in the room through rtc-node, sending raw ops as the web app would. */
export async function connectMentor(stack: LiveScene['stack'], sessionId: string, mentor: LiveScene['mentor']) {
  const { token, url } = await stack.tokenFor(sessionId, mentor);
  const room = new Room();
  await room.connect(url, token, { autoSubscribe: false, dynacast: false });
  let seq = 0;
  const send = (op: Record<string, unknown>) =>
    room.localParticipant!.publishData(
      new TextEncoder().encode(JSON.stringify({ v: ANNOTATION_VERSION, author: mentor.id, seq: seq++, t: Date.now(), frame: null, ...op })),
      {
        reliable: true,
        topic: 'loupe.ops',
      },
    );
  return { room, send };
}

export function measureCanvas() {
  return withLiveTheatre({ viewport: { width: 1920, height: 1080 } }, async ({ stack, sessionId, theatre, mentor }) => {
    // Baseline: frame times of the same page with the picture playing and nothing drawn.
    const baseline = await frameTimes(theatre, STROKE_SECONDS);

    const { room, send } = await connectMentor(stack, sessionId, mentor);
    const style = { color: '#00e5ff', width: 'medium' };
    for (let i = 0; i < ANNOTATIONS; i++) {
      const x = (i % 40) / 40 + 0.005;
      const y = Math.floor(i / 40) / 25 + 0.01;
      if (i % 2)
        await send({ id: `s${i}`, kind: 'shape', shape: i % 4 === 1 ? 'arrow' : 'ellipse', from: [x, y], to: [x + 0.02, y + 0.03], style, fade: false });
      else {
        await send({ id: `p${i}`, kind: 'stroke.begin', style, fade: false, points: Array.from({ length: 20 }, (_, k) => [x + k / 1000, y + (k % 3) / 200]) });
        await send({ id: `p${i}`, kind: 'stroke.end', count: 20 });
      }
    }
    // Let theatre take them all in and draw them (a benchmark settle, not a test).
    await new Promise((r) => setTimeout(r, 5000));

    const pointsBefore = Number(await theatre.locator(`${LIVE} [data-points]`).first().getAttribute('data-points'));
    // Frame times on theatre while a new stroke streams in, one chunk per 1/60 s.
    const measuring = frameTimes(theatre, STROKE_SECONDS);
    await send({ id: 'live', kind: 'stroke.begin', style: { color: '#ffea00', width: 'thick' }, fade: false, points: [[0.1, 0.5]] });
    let sent = 1;
    const perTick = POINTS_PER_SECOND / 60;
    const started = Date.now();
    while (Date.now() - started < STROKE_SECONDS * 1000) {
      const points = Array.from({ length: perTick }, (_, k) => [0.1 + ((sent + k) % 800) / 1000, 0.5 + Math.sin((sent + k) / 20) / 10]);
      await send({ id: 'live', kind: 'stroke.points', from: sent, points });
      sent += points.length;
      await new Promise((r) => setTimeout(r, 1000 / 60));
    }
    await send({ id: 'live', kind: 'stroke.end', count: sent });
    const frames = await measuring;
    // Every streamed point is in theatre's drawing once the stroke has ended (the page counts the
    // points it draws; a chunk lost or dropped leaves a hole that is not counted).
    const drawn = await theatre
      .waitForFunction(
        ({ sel, want }) => {
          const n = Number(document.querySelector(`${sel} [data-points]`)?.getAttribute('data-points') ?? -1);
          return n >= want ? n : false;
        },
        { sel: LIVE, want: pointsBefore + sent },
        { timeout: 10_000 },
      )
      .then((h) => h.jsonValue() as Promise<number>)
      .catch(async () => Number(await theatre.locator(`${LIVE} [data-points]`).first().getAttribute('data-points')));
    await room.disconnect();
    const f = percentiles(frames);
    const b = percentiles(baseline);
    return {
      annotations: ANNOTATIONS,
      stroke_points: sent,
      stroke_points_drawn: drawn - pointsBefore,
      frame_ms: f,
      baseline_p95: b.p95,
      baseline_frame_ms: b,
      n: f.n,
      goal: `p95 <= 16.7 ms (on time: one 60 Hz frame, read with Chromium's ${TIMER_RESOLUTION_MS} ms timer); every streamed point drawn`,
      met: f.p95 <= 16.7 + TIMER_RESOLUTION_MS && drawn - pointsBefore === sent,
    };
  });
}
