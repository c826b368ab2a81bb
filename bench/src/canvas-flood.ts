/**
 * Measure 7 — canvas under a hostile mentor: theatre's frame times while a mentor draws as much as
 * the room lets them, as fast as the rate limit lets them, with the heaviest marks there are
 * (thick arrows across the whole picture) on top of another mentor's as many, and then toggles
 * all of it on and off (Clear all, undo, redo) every frame. Goal: the OR display stays
 * interactive, frame p95 ≤ 50 ms in both phases, whatever a mentor sends (issue 12: 1 000 such
 * arrows froze a page for ~113 s).
 */
import { MAX_ANNOTATIONS_PER_AUTHOR } from '@loupe/protocol';
import { LIVE, withLiveTheatre } from './live-scene.ts';
import { connectMentor, frameTimes } from './canvas.ts';
import { percentiles } from './stats.ts';

/** Below the receivers' per-sender limit (240 a second), so every op is obeyed. */
const OPS_PER_SECOND = 200;
const TOGGLE_SECONDS = 6;
const GOAL_P95_MS = 50;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` thick arrows across the whole picture, sent at OPS_PER_SECOND. */
async function arrows(send: (op: Record<string, unknown>) => Promise<void>, count: number, offset: number) {
  const style = { color: '#ffea00', width: 'thick' };
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const a = (i * 0.618 + offset) % 1;
    await send({ id: `a${i}`, kind: 'shape', shape: 'arrow', from: [a, 0.01], to: [1 - a, 0.99], style, fade: false });
    const due = started + ((i + 1) * 1000) / OPS_PER_SECOND;
    if (due > Date.now()) await pause(due - Date.now());
  }
}

export function measureCanvasFlood() {
  return withLiveTheatre({ viewport: { width: 1920, height: 1080 }, extraMentors: 1 }, async ({ stack, sessionId, theatre, mentor, extraMentors }) => {
    const [flooder, other] = await Promise.all([mentor, ...extraMentors].map((m) => connectMentor(stack, sessionId, m)));
    // The other mentor's arrows first, up to their bound: the room then holds as much as it ever may.
    await arrows(other!.send, MAX_ANNOTATIONS_PER_AUTHOR, 0.31);
    await pause(3000);

    // Phase 1: a mentor adds full-picture arrows up to the bound and a hundred more (refused).
    const perMentor = MAX_ANNOTATIONS_PER_AUTHOR + 100;
    const filling = frameTimes(theatre, perMentor / OPS_PER_SECOND + 1);
    await arrows(flooder!.send, perMentor, 0);
    const fill = await filling;
    const drawn = Number(await theatre.locator(`${LIVE} [data-annotations]`).first().getAttribute('data-annotations'));
    const dropReasons = await theatre.locator(`${LIVE} [data-drop-reasons]`).first().getAttribute('data-drop-reasons');

    // Phase 2: one mentor clears all, undoes and redoes it, once a frame: everything on the
    // picture goes and comes back 60 times a second.
    const { send } = flooder!;
    await send({ id: 'wipe', kind: 'clear' });
    const toggling = frameTimes(theatre, TOGGLE_SECONDS);
    const started = Date.now();
    for (let i = 0; Date.now() - started < TOGGLE_SECONDS * 1000; i++) {
      await send({ id: `u${i}`, kind: i % 2 ? 'restore' : 'erase', target: { author: mentor.id, id: 'wipe' } });
      await pause(1000 / 60);
    }
    const toggle = await toggling;
    await Promise.all([flooder!, other!].map(({ room }) => room.disconnect()));

    const f = percentiles(fill);
    const t = percentiles(toggle);
    return {
      annotations_sent: perMentor + MAX_ANNOTATIONS_PER_AUTHOR,
      annotations_drawn: drawn,
      drop_reasons: dropReasons,
      fill_frame_ms: f,
      toggle_frame_ms: t,
      n: f.n + t.n,
      goal: `frame p95 <= ${GOAL_P95_MS} ms while a mentor fills the overlay with full-picture arrows at the rate limit, and while all of it is cleared and brought back 60 times a second`,
      met: f.p95 <= GOAL_P95_MS && t.p95 <= GOAL_P95_MS,
    };
  });
}
