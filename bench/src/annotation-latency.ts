/**
 * Measure 1 — annotation latency: a mentor's pointer event → that point rendered on the
 * theatre's canvas, two Chromium pages through the real livekit-server and web app. Both pages
 * run in one browser, so their clocks are the same. Baseline: one-way time of a bare LiveKit
 * data packet between two participants on the same server (rtc-node in this process: the pages
 * expose no LiveKit handle). Goal: p95 ≤ baseline p95 + 16.7 ms.
 */
import { Room, RoomEvent } from '@livekit/rtc-node';
import type { Page } from 'playwright-core';
import { LIVE, waitForPicture, withLiveTheatre } from './live-scene.ts';
import { percentiles } from './stats.ts';

const SAMPLES = 40;

/** Resolves with the epoch time (ms) at which a cyan pixel first shows at `point` on the page's drawing canvases. */
function watchFor(page: Page, point: [number, number]): Promise<number> {
  return page.evaluate(
    ({ sel, p }) =>
      new Promise<number>((resolve) => {
        const stage = document.querySelector(sel)!;
        const [x, y, w, h] = (stage.getAttribute('data-picture-rect') ?? '0,0,0,0').split(',').map(Number);
        const px = Math.round(x! + p[0] * w!);
        const py = Math.round(y! + p[1] * h!);
        const look = () => {
          for (const canvas of stage.querySelectorAll('canvas')) {
            const [r, g, b] = canvas.getContext('2d', { willReadFrequently: true })!.getImageData(px, py, 1, 1).data;
            if (r! < 60 && g! > 180 && b! > 200) return resolve(performance.timeOrigin + performance.now());
          }
          requestAnimationFrame(look);
        };
        requestAnimationFrame(look);
      }),
    { sel: LIVE, p: point },
  );
}

async function at(page: Page, point: [number, number]): Promise<[number, number]> {
  return page.locator(LIVE).first().evaluate((el, p) => {
    const box = el.getBoundingClientRect();
    const [x, y, w, h] = (el.getAttribute('data-picture-rect') ?? '0,0,0,0').split(',').map(Number);
    return [box.left + x! + p[0] * w!, box.top + y! + p[1] * h!] as [number, number];
  }, point);
}

async function baselineOneWay(url: string, tokens: [string, string]): Promise<number[]> {
  const [a, b] = [new Room(), new Room()];
  await a.connect(url, tokens[0], { autoSubscribe: false, dynacast: false });
  await b.connect(url, tokens[1], { autoSubscribe: false, dynacast: false });
  const times: number[] = [];
  for (let i = 0; i < SAMPLES * 2; i++) {
    const arrived = new Promise<number>((resolve) => {
      const on = (payload: Uint8Array) => {
        b.off(RoomEvent.DataReceived, on);
        resolve(performance.timeOrigin + performance.now() - Number(new TextDecoder().decode(payload)));
      };
      b.on(RoomEvent.DataReceived, on);
    });
    await a.localParticipant!.publishData(new TextEncoder().encode(String(performance.timeOrigin + performance.now())), { reliable: true, topic: 'bench' });
    times.push(await arrived);
    await new Promise((r) => setTimeout(r, 50));
  }
  await a.disconnect();
  await b.disconnect();
  return times;
}

export function measureAnnotationLatency() {
  const scene = { viewport: { width: 1280, height: 720 }, extraMentors: 2 };
  return withLiveTheatre(scene, async ({ stack, sessionId, theatre, mentor, extraMentors }) => {
    const mentorContext = await stack.contextFor(mentor, { viewport: { width: 1280, height: 720 } });
    const page = await mentorContext.newPage();
    await page.goto(`${stack.web.url}/sessions/${sessionId}/mentor`);
    await page.getByRole('toolbar').waitFor();
    await waitForPicture(page);
    // The mentor is announced to theatre up to 3 s after joining (livekit-server batches it).
    await new Promise((r) => setTimeout(r, 4000));
    await page.evaluate((sel) => {
      const w = window as unknown as { __downs: number[] };
      w.__downs = [];
      document.querySelector(sel)!.addEventListener('pointerdown', (e) => w.__downs.push(performance.timeOrigin + e.timeStamp), { capture: true });
    }, LIVE);

    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const point: [number, number] = [0.1 + (i % 8) * 0.1, 0.15 + Math.floor(i / 8) * 0.15];
      const seen = watchFor(theatre, point);
      const [x, y] = await at(page, point);
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x + 6, y + 2, { steps: 2 });
      await page.mouse.up();
      const renderedAt = await seen;
      const downAt = await page.evaluate(() => (window as unknown as { __downs: number[] }).__downs.at(-1)!);
      latencies.push(renderedAt - downAt);
    }
    const tokens = await Promise.all(extraMentors.map((p) => stack.tokenFor(sessionId, p)));
    const baseline = await baselineOneWay(tokens[0]!.url, [tokens[0]!.token, tokens[1]!.token]);
    await mentorContext.close();
    const l = percentiles(latencies);
    const b = percentiles(baseline);
    return {
      latency_ms: l,
      baseline_p95: b.p95,
      baseline_one_way_ms: b,
      n: l.n,
      goal: 'p95 <= baseline p95 + 16.7 ms',
      met: l.p95 <= b.p95 + 16.7,
    };
  });
}
