/**
 * Measure 1 — annotation latency: a mentor's pointer event → that point rendered on the
 * theatre's canvas, two Chromium pages through the real livekit-server and web app. Both pages
 * run in one browser, so `performance.timeOrigin + performance.now()` is one clock in both.
 *
 * Each page gets a probe on its WebRTC data channels (installed before the app loads), so
 * every stroke is timed in three stages: pointer event → the op handed to the mentor's data
 * channel (Loupe, mentor side), data channel → data channel (LiveKit: the baseline, the bare
 * packet's one-way time between the same two pages), and the packet's arrival → the point's
 * pixel on theatre's canvas (Loupe, theatre side). Goal: p95 ≤ baseline p95 + 16.7 ms.
 */
import type { Page } from 'playwright-core';
import { LIVE, waitForPicture, withLiveTheatre } from './live-scene.ts';
import { percentiles } from './stats.ts';

const SAMPLES = 120;

/**
 * Installed in both pages before any script: notes when each stroke's first op (`stroke.begin`,
 * found by its id in the packet's bytes) leaves through, or arrives on, a data channel.
 */
function dataChannelProbe() {
  const w = window as unknown as { __sent: Record<string, number>; __arrived: Record<string, number> };
  w.__sent = {};
  w.__arrived = {};
  const now = () => performance.timeOrigin + performance.now();
  const strokeId = (data: unknown): string | null => {
    const bytes =
      data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (!bytes) return null;
    const text = new TextDecoder().decode(bytes);
    return text.includes('"stroke.begin"') ? (/"id":"([^"]+)"/.exec(text)?.[1] ?? null) : null;
  };
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
    const id = strokeId(data);
    if (id && !(id in w.__sent)) w.__sent[id] = now();
    return send.call(this, data);
  };
  // livekit-client opens its channels itself (one peer connection, negotiated channels), and
  // packets from the server arrive on them too. Listening from creation puts this listener
  // before the app's own handler, so the arrival time is taken first.
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, ...args: Parameters<typeof create>) {
    const channel = create.apply(this, args);
    channel.addEventListener('message', ({ data }) => {
      const at = now();
      const id = strokeId(data);
      if (id && !(id in w.__arrived)) w.__arrived[id] = at;
    });
    return channel;
  };
}

/**
 * Resolves with the time a cyan pixel first shows at `point` on theatre's drawing canvases,
 * looked for at every animation frame and straight after every task (a packet's handler
 * draws within its own task when it can), from the moment the stroke's packet arrives.
 */
function watchFor(page: Page, point: [number, number]): Promise<number> {
  return page.evaluate(
    ({ sel, p }) =>
      new Promise<number>((resolve) => {
        const stage = document.querySelector(sel)!;
        const [x, y, w, h] = (stage.getAttribute('data-picture-rect') ?? '0,0,0,0').split(',').map(Number);
        const px = Math.round(x! + p[0] * w!);
        const py = Math.round(y! + p[1] * h!);
        let done = false;
        // Reading pixels back at every task is itself work on theatre's main thread: it starts
        // only once a stroke packet has arrived (the probe counts them), so the watch does not
        // slow down the page it measures while the op is still on its way.
        const arrivals = () => Object.keys((window as unknown as { __arrived: Record<string, number> }).__arrived).length;
        const before = arrivals();
        const look = () => {
          if (done) return;
          if (arrivals() === before) return void setTimeout(look, 0);
          for (const canvas of stage.querySelectorAll('canvas')) {
            const [r, g, b] = canvas.getContext('2d', { willReadFrequently: true })!.getImageData(px, py, 1, 1).data;
            if (r! < 60 && g! > 180 && b! > 200) {
              done = true;
              return resolve(performance.timeOrigin + performance.now());
            }
          }
          setTimeout(look, 0);
        };
        const frame = () => {
          look();
          if (!done) requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
        look();
      }),
    { sel: LIVE, p: point },
  );
}

async function at(page: Page, point: [number, number]): Promise<[number, number]> {
  return page
    .locator(LIVE)
    .first()
    .evaluate((el, p) => {
      const box = el.getBoundingClientRect();
      const [x, y, w, h] = (el.getAttribute('data-picture-rect') ?? '0,0,0,0').split(',').map(Number);
      return [box.left + x! + p[0] * w!, box.top + y! + p[1] * h!] as [number, number];
    }, point);
}

export function measureAnnotationLatency() {
  const scene = { viewport: { width: 1280, height: 720 }, beforeLoad: dataChannelProbe };
  return withLiveTheatre(scene, async ({ stack, sessionId, theatre, mentor }) => {
    const mentorContext = await stack.contextFor(mentor, { viewport: { width: 1280, height: 720 } });
    await mentorContext.addInitScript(dataChannelProbe);
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

    const stages = { total: [] as number[], mentor: [] as number[], transport: [] as number[], theatre: [] as number[] };
    for (let i = 0; i < SAMPLES; i++) {
      const point: [number, number] = [0.1 + (i % 8) * 0.1, 0.12 + (Math.floor(i / 8) % 8) * 0.1];
      const seen = watchFor(theatre, point);
      const [x, y] = await at(page, point);
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x + 6, y + 2, { steps: 2 });
      await page.mouse.up();
      const renderedAt = await seen;
      const { down, sent } = await page.evaluate(() => {
        const w = window as unknown as { __downs: number[]; __sent: Record<string, number> };
        return { down: w.__downs.at(-1)!, sent: Object.entries(w.__sent) };
      });
      const arrived = await theatre.evaluate(() => (window as unknown as { __arrived: Record<string, number> }).__arrived);
      // This stroke's first op: the one sent last, after the pointer went down.
      const [id, sentAt] = sent.filter(([, t]) => t >= down).sort((a, b) => a[1] - b[1])[0] ?? [];
      const arrivedAt = id ? arrived[id] : undefined;
      stages.total.push(renderedAt - down);
      if (sentAt === undefined || arrivedAt === undefined) continue;
      stages.mentor.push(sentAt - down);
      stages.transport.push(arrivedAt - sentAt);
      stages.theatre.push(renderedAt - arrivedAt);
    }
    await mentorContext.close();
    const total = percentiles(stages.total);
    const transport = percentiles(stages.transport);
    return {
      latency_ms: total,
      baseline_p95: transport.p95,
      n: total.n,
      stages: {
        mentor_pointer_to_send_ms: percentiles(stages.mentor),
        baseline_data_channel_one_way_ms: transport,
        theatre_arrival_to_canvas_ms: percentiles(stages.theatre),
      },
      goal: 'p95 <= baseline p95 + 16.7 ms',
      met: total.p95 <= transport.p95 + 16.7,
    };
  });
}
