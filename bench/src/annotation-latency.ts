/**
 * Measure 1 — annotation latency: a mentor's pointer event → that point rendered on the
 * theatre's canvas, two Chromium pages through the real livekit-server and web app. Both pages
 * run in one browser, so their clocks are the same. Baseline: one-way time of a bare LiveKit
 * data packet between two participants on the same server (rtc-node in this process: the pages
 * expose no LiveKit handle). Goal: p95 ≤ baseline p95 + 16.7 ms.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Room, RoomEvent } from '@livekit/rtc-node';
import type { Page } from 'playwright-core';
import { startBrowserStack } from '../../web/test/stack.ts';
import { percentiles } from './stats.ts';

const SAMPLES = 40;
const LIVE = '[data-testid="live"] [data-picture-rect]';

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

export async function measureAnnotationLatency() {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-latency-'));
  const y4m = join(dir, 'theatre.y4m');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=0x7a2330:s=1280x720:r=10', '-t', '1', '-pix_fmt', 'yuv420p', y4m]);
  const stack = await startBrowserStack({ fakeVideo: y4m });
  try {
    const host = await stack.account('admin', 'Bench Host');
    const surgeon = await stack.account('surgeon', 'Bench Theatre');
    const mentor = await stack.account('mentor', 'Bench Mentor');
    const extra = [await stack.account('mentor', 'Bench A'), await stack.account('mentor', 'Bench B')];
    const session = await stack.liveSession(host, [
      { email: surgeon.email, role: 'theatre' },
      { email: mentor.email, role: 'mentor' },
      ...extra.map((p) => ({ email: p.email, role: 'mentor' as const })),
    ]);
    const theatreContext = await stack.contextFor(surgeon, { viewport: { width: 1280, height: 720 } });
    const theatre = await theatreContext.newPage();
    await theatre.goto(`${stack.web.url}/sessions/${session.id}/theatre`);
    await theatre.getByRole('button', { name: /Capture device/ }).first().click();
    await theatre.waitForFunction((sel) => (document.querySelector(`${sel} video`) as HTMLVideoElement | null)?.videoWidth, LIVE);
    const mentorContext = await stack.contextFor(mentor, { viewport: { width: 1280, height: 720 } });
    const page = await mentorContext.newPage();
    await page.goto(`${stack.web.url}/sessions/${session.id}/mentor`);
    await page.getByRole('toolbar').waitFor();
    await page.waitForFunction((sel) => (document.querySelector(`${sel} video`) as HTMLVideoElement | null)?.videoWidth, LIVE);
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
    const tokens = await Promise.all(extra.map((p) => stack.tokenFor(session.id, p)));
    const baseline = await baselineOneWay(tokens[0]!.url, [tokens[0]!.token, tokens[1]!.token]);
    await theatreContext.close();
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
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
