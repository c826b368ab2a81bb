/**
 * Measure — sources_download (issue 16): what a mentor's page downloads with theatre sending four
 * pictures against one. Theatre (Chromium) sends the moving demo picture (1280×720, 30 fps);
 * the mentor's page (Chromium, 1280×720, layout "one large") receives it for a window, then
 * theatre adds three more moving pictures and the mentor receives again. Bytes are the video
 * `inbound-rtp` bytes of every peer connection of the mentor's page, read from outside the app
 * (a wrapper of RTCPeerConnection put in before the app loads, timed-frames.ts), with the frame size each picture
 * arrives at: the large one on the top simulcast layer, the thumbnails on the lowest.
 */
import type { Page } from 'playwright-core';
import { EXTRA_PICTURES, addDemoPicture, sentVideoLayers, withLiveTheatre } from './live-scene.ts';
import { trackPeerConnections, type PageRtc } from './timed-frames.ts';

const SETTLE_MS = 3_000;
const WINDOW_MS = 6_000;
const TOP_LAYER_MS = 30_000;

type Inbound = { bytes: number; sizes: string[] };

async function inbound(page: Page): Promise<Inbound> {
  return page.evaluate(async () => {
    let bytes = 0;
    const sizes: string[] = [];
    for (const pc of (window as unknown as { __rtc: PageRtc }).__rtc.connections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: RTCInboundRtpStreamStats) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
        bytes += s.bytesReceived ?? 0;
        if (s.frameWidth) sizes.push(`${s.frameWidth}x${s.frameHeight}`);
      });
    }
    return { bytes, sizes: sizes.sort() };
  });
}

/**
 * Bits per second the page receives over WINDOW_MS, once the large picture arrives on the top
 * layer (livekit-server moves a new subscriber up as its bandwidth estimate grows: once the one
 * picture was still on 640×360 after the settle, and one picture's 360p against four pictures'
 * 720p + 360p measures layers, not Loupe), after SETTLE_MS for the other layers to settle.
 * `topLayerMs`: how long the large picture took to reach it; null if not within TOP_LAYER_MS.
 */
async function rate(page: Page, large: string): Promise<{ kbps: number; sizes: string[]; topLayerMs: number | null }> {
  const waited = performance.now();
  const top = await page
    .waitForFunction((selector) => ((document.querySelector(selector) as HTMLVideoElement | null)?.videoWidth ?? 0) >= 1280, large, { timeout: TOP_LAYER_MS })
    .then(() => Math.round(performance.now() - waited))
    .catch(() => null);
  await page.waitForTimeout(SETTLE_MS);
  const before = await inbound(page);
  await page.waitForTimeout(WINDOW_MS);
  const after = await inbound(page);
  return { kbps: Math.round(((after.bytes - before.bytes) * 8) / WINDOW_MS), sizes: after.sizes, topLayerMs: top };
}

export function measureSourcesDownload() {
  return withLiveTheatre({ viewport: { width: 1280, height: 720 }, beforeLoad: trackPeerConnections }, async ({ stack, sessionId, theatre, mentor }) => {
    // The fake camera's picture is still; every picture here moves, as a laparoscope's does.
    await theatre.getByRole('button', { name: /Change source/ }).click();
    await theatre.getByRole('button', { name: /Demo picture/ }).click();
    const context = await stack.contextFor(mentor, { viewport: { width: 1280, height: 720 } });
    await context.addInitScript(trackPeerConnections);
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/sessions/${sessionId}/mentor`);
    await page.waitForFunction(() => (document.querySelector('[data-testid="live"] video') as HTMLVideoElement | null)?.videoWidth);
    const one = await rate(page, '[data-testid="live"] video');
    const sentOne = await sentVideoLayers(theatre);
    for (const label of EXTRA_PICTURES) await addDemoPicture(theatre, label);
    await page.waitForFunction(() => document.querySelectorAll('[data-source-tile] video').length === 4);
    const four = await rate(page, '[data-source-tile].large video');
    const sentFour = await sentVideoLayers(theatre);
    await context.close();
    return {
      one_source_kbps: one.kbps,
      four_sources_kbps: four.kbps,
      ratio: Math.round((four.kbps / Math.max(1, one.kbps)) * 100) / 100,
      one_source_frames: one.sizes.join(' '),
      four_sources_frames: four.sizes.join(' '),
      theatre_layers_one: sentOne.join(' '),
      theatre_layers_four: sentFour.join(' '),
      top_layer_after_ms: { one: one.topLayerMs, four: four.topLayerMs },
      n: 1,
    };
  });
}
