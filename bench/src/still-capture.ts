/**
 * Measure 8 — a still, capture to expert: the scan room presses F8 (a foot pedal's key) on a
 * 1920×1080 ultrasound picture → that still's image has loaded, decoded, at the reviewer's
 * StillReview. The real stack (livekit-server, api, web) and one Chromium: the scan room's fake
 * camera plays stack's ultrasound Y4M, the reviewer is a mentor page, both pages' clocks are
 * `performance.timeOrigin + performance.now()` (one machine, one browser: one clock). Probes
 * outside the app time each stage: the browser calls the capture makes (grab, PNG encode,
 * SHA-256), and both pages' resource timings (the upload, the reviewer's exams fetch, the image).
 *
 * Baseline: the same PNG's bytes uploaded and downloaded again by a page of a bare Node HTTP
 * server's own origin in the same Chromium (bench/README.md says why), taking turns with the
 * captures. Goal: p95 ≤ baseline p95 + 100 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { makeUltrasoundVideo } from '@loupe/stack';
import { unwrap } from '../../web/src/lib/api/client.ts';
import { waitForPicture, withLiveTheatre } from './live-scene.ts';
import { percentiles } from './stats.ts';

const CAPTURES = 30;
const GOAL_MS = 100;
const FULL_HD = { width: 1920, height: 1080 };
/** An ultrasound machine's output through a capture card. */
const FPS = 30;
const PROTOCOL_KEY = 'bench-stills';

/** The scan room's 1080p Y4M, made once for every round: ffmpeg takes ~9 s to make it. */
let ultrasoundVideo: string | undefined;
function ultrasound(): string {
  if (ultrasoundVideo) return ultrasoundVideo;
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-still-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (ultrasoundVideo = makeUltrasoundVideo(join(dir, 'ultrasound.y4m'), FPS));
}

type Span = [start: number, end: number];
type ScanProbe = { triggers: number[]; grab: Span[] };
type Shown = { src: string; loadedAt: number; shownAt: number; width: number; height: number };
type Timing = { name: string; start: number; requestStart: number; responseStart: number; end: number };

/**
 * Scan room: when F8 went down, and when the frame was in hand (createImageBitmap of the video
 * element, or ImageCapture's grabFrame). The PNG encoding and hashing run in a worker, where no page script reaches: they
 * are the time from the frame to the upload.
 */
function scanProbe() {
  const w = window as unknown as { __still: ScanProbe; ImageCapture?: { prototype: Record<string, unknown> } };
  const now = () => performance.timeOrigin + performance.now();
  performance.setResourceTimingBufferSize(5000);
  w.__still = { triggers: [], grab: [] };
  addEventListener('keydown', (e) => e.key === 'F8' && !e.repeat && w.__still.triggers.push(performance.timeOrigin + e.timeStamp), { capture: true });
  const timed = (proto: Record<string, unknown>, name: string, into: 'grab') => {
    const original = proto[name] as (...args: unknown[]) => Promise<unknown>;
    proto[name] = async function (this: unknown, ...args: unknown[]) {
      const start = now();
      try {
        return await original.apply(this, args);
      } finally {
        w.__still[into].push([start, now()]);
      }
    };
  };
  if (w.ImageCapture) timed(w.ImageCapture.prototype, 'grabFrame', 'grab');
  timed(window as unknown as Record<string, unknown>, 'createImageBitmap', 'grab');
}

/** Reviewer: each time StillReview's large image loads, when, and the first frame after it is decoded. */
function reviewerProbe() {
  const w = window as unknown as { __shown: Shown[] };
  const now = () => performance.timeOrigin + performance.now();
  performance.setResourceTimingBufferSize(5000);
  w.__shown = [];
  document.addEventListener(
    'load',
    (e) => {
      const img = e.target;
      if (!(img instanceof HTMLImageElement) || img.dataset.testid !== 'still-image') return;
      const loadedAt = now();
      const src = img.currentSrc;
      void img
        .decode()
        .then(() => requestAnimationFrame(() => w.__shown.push({ src, loadedAt, shownAt: now(), width: img.naturalWidth, height: img.naturalHeight })));
    },
    { capture: true },
  );
}

/** The page's resource timings whose address matches `pattern`, on the one clock. */
function timings(page: Page, pattern: string): Promise<Timing[]> {
  return page.evaluate(
    (p) =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => new RegExp(p).test(e.name))
        .map((e) => ({
          name: e.name,
          start: performance.timeOrigin + e.startTime,
          requestStart: performance.timeOrigin + e.requestStart,
          responseStart: performance.timeOrigin + e.responseStart,
          end: performance.timeOrigin + e.responseEnd,
        })),
    pattern,
  );
}

/**
 * The baseline's server: a page of its own, then a PNG's bytes posted to /echo and got back
 * from /echo/<n>, kept in memory; nothing else.
 */
async function echoServer(): Promise<{ url: string; setSource(png: Buffer): void; close(): Promise<void> }> {
  let source: Buffer | null = null;
  const kept = new Map<string, Buffer>();
  let count = 0;
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>echo</title>');
    if (req.method === 'GET' && req.url === '/source.png' && source) return res.writeHead(200, { 'content-type': 'image/png' }).end(source);
    if (req.method === 'POST' && req.url === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = String(++count);
        kept.set(id, Buffer.concat(chunks));
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
      });
      return;
    }
    const id = /^\/echo\/(\d+)$/.exec(req.url ?? '')?.[1];
    const bytes = id && kept.get(id);
    if (req.method === 'GET' && bytes) {
      kept.delete(id);
      return res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length }).end(bytes);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setSource: (png) => (source = png),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** One plain upload and download of the source PNG from the echo page, in ms. */
function echoOnce(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const w = window as unknown as { __source?: Blob };
    w.__source ??= await (await fetch('/source.png')).blob();
    const source = w.__source;
    const started = performance.now();
    const { id } = (await (await fetch('/echo', { method: 'POST', headers: { 'content-type': 'image/png' }, body: source })).json()) as { id: string };
    const back = await (await fetch(`/echo/${id}`)).arrayBuffer();
    const took = performance.now() - started;
    if (back.byteLength !== source.size) throw new Error(`echo returned ${back.byteLength} of ${source.size} bytes`);
    return took;
  });
}

/** The span of `spans` that started first at or after `from`. */
const firstAfter = (spans: Span[], from: number) => spans.filter(([start]) => start >= from).sort((a, b) => a[0] - b[0])[0];

export function measureStillCapture() {
  const scene = { viewport: FULL_HD, kind: 'ultrasound' as const, video: ultrasound, beforeLoad: scanProbe };
  return withLiveTheatre(scene, async ({ stack, sessionId, host, theatre, mentor }) => {
    // A protocol whose views take one still each, as many as the captures: each capture is the next view's.
    const views = Array.from({ length: CAPTURES }, (_, i) => ({
      key: `v${i + 1}`,
      name: { en: `View ${i + 1}`, zh: `切面 ${i + 1}` },
      required: true,
      min: 1,
      max: 1,
      acceptance: { en: 'Any picture', zh: '任意图像' },
    }));
    const admin = await stack.asPerson(host);
    // A protocol of the round's own: the rounds share a stack (live-scene.ts), and a key is made once.
    const protocolKey = `${PROTOCOL_KEY}-${sessionId.slice(0, 8)}`;
    await unwrap(
      admin.protocols.$post({ json: { key: protocolKey, examType: 'other', name: { en: 'Bench stills', zh: '基准静态图' }, source: 'Loupe bench', views } }),
    );
    const reviewerContext = await stack.contextFor(mentor, { viewport: FULL_HD });
    await reviewerContext.addInitScript(reviewerProbe);
    const reviewer = await reviewerContext.newPage();
    await reviewer.goto(`${stack.web.url}/sessions/${sessionId}/mentor`);
    // Live (in the room) before the exam starts: the api's notice of it reaches the pages in the room.
    await waitForPicture(reviewer);
    const reviewerApi = await stack.asPerson(mentor);
    await unwrap(reviewerApi.sessions[':id'].exams.$post({ param: { id: sessionId }, json: { protocolKey, patient: null } }));
    await theatre.getByTestId('capture-still').waitFor();
    await reviewer.waitForFunction((n) => document.querySelectorAll('[data-testid="exam-checklist"] li').length === n, CAPTURES);

    const echo = await echoServer();
    const echoContext = await stack.browser.newContext();
    const echoPage = await echoContext.newPage();
    await echoPage.goto(echo.url);
    const cookie = `loupe_session=${await stack.cookieFor(mentor)}`;

    const shown: Shown[] = [];
    const baseline: number[] = [];
    try {
      for (let i = 0; i < CAPTURES; i++) {
        await theatre.waitForFunction(() => !(document.querySelector('[data-testid="capture-still"]') as HTMLButtonElement | null)?.disabled);
        await theatre.keyboard.press('F8');
        const seen = await reviewer.waitForFunction((n) => (window as unknown as { __shown: Shown[] }).__shown[n], shown.length, { timeout: 30_000 });
        const still = (await seen.jsonValue()) as Shown;
        shown.push(still);
        // The scan room's checklist has moved on (or is full) before the next capture.
        await theatre.waitForFunction(
          (key) => document.querySelector(`[data-testid="exam-checklist"] li[data-view="${key}"]`)?.getAttribute('data-state') === 'pending',
          `v${i + 1}`,
        );
        if (i === 0) {
          const res = await fetch(`${stack.api.url}${new URL(still.src).pathname.replace(/^\/api/, '')}`, { headers: { cookie } });
          if (!res.ok) throw new Error(`the first still's image: ${res.status}`);
          echo.setSource(Buffer.from(await res.arrayBuffer()));
        }
        baseline.push(await echoOnce(echoPage));
      }

      // The stills in the order taken, each held to the capture it came from.
      const { exams } = await unwrap(reviewerApi.sessions[':id'].exams.$get({ param: { id: sessionId } }));
      const stills = exams.at(-1)!.stills;
      const probe = await theatre.evaluate(() => (window as unknown as { __still: ScanProbe }).__still);
      const uploads = await timings(theatre, '/api/exams/[^/]+/stills\\?');
      const examFetches = await timings(reviewer, `/api/sessions/${sessionId}/exams$`);
      const images = await timings(reviewer, '/api/stills/[^/]+/image$');
      if (stills.length !== CAPTURES || probe.triggers.length !== CAPTURES || uploads.length !== CAPTURES)
        throw new Error(`${CAPTURES} captures made ${stills.length} stills, ${probe.triggers.length} key presses, ${uploads.length} uploads`);

      const total: number[] = [];
      const stage: Record<string, number[]> = {
        key_to_frame: [],
        frame_to_upload_start: [],
        upload_to_answer: [],
        answer_to_reviewer_fetch: [],
        reviewer_exams_fetch: [],
        exams_fetched_to_image_request: [],
        image_download: [],
        downloaded_to_loaded: [],
        loaded_to_shown: [],
      };
      const add = (key: string, v: number | undefined) => v !== undefined && stage[key]!.push(v);
      for (const [i, s] of shown.entries()) {
        const id = stills[i]!.id;
        if (!s.src.endsWith(`/api/stills/${id}/image`)) throw new Error(`capture ${i + 1}: the reviewer showed ${s.src}, not still ${id}`);
        if (s.width !== FULL_HD.width || s.height !== FULL_HD.height) throw new Error(`capture ${i + 1}: shown at ${s.width}×${s.height}`);
        const key = probe.triggers[i]!;
        total.push(s.shownAt - key);
        const upload = uploads[i]!;
        const image = images.find((t) => t.name.endsWith(`/api/stills/${id}/image`) && t.start >= key);
        const examFetch = examFetches.filter((t) => t.start >= key && (!image || t.start <= image.start)).at(-1);
        const grab = firstAfter(probe.grab, key);
        if (grab) {
          add('key_to_frame', grab[1] - key);
          add('frame_to_upload_start', upload.start - grab[1]);
        }
        add('upload_to_answer', upload.end - upload.start);
        if (examFetch) {
          add('answer_to_reviewer_fetch', examFetch.start - upload.end);
          add('reviewer_exams_fetch', examFetch.end - examFetch.start);
          if (image) add('exams_fetched_to_image_request', image.start - examFetch.end);
        }
        if (image) {
          add('image_download', image.end - image.start);
          add('downloaded_to_loaded', s.loadedAt - image.end);
        }
        add('loaded_to_shown', s.shownAt - s.loadedAt);
      }
      const latency = percentiles(total);
      const base = percentiles(baseline);
      return {
        capture_to_shown_ms: latency,
        baseline_p95: base.p95,
        n: latency.n,
        png_bytes: stills[0]!.bytes,
        stages: {
          baseline_plain_upload_download_ms: base,
          ...Object.fromEntries(Object.entries(stage).map(([k, v]) => [`${k}_ms`, percentiles(v)])),
        },
        goal: `p95 <= baseline p95 + ${GOAL_MS} ms`,
        met: latency.p95 <= base.p95 + GOAL_MS,
      };
    } finally {
      await echoContext.close();
      await echo.close();
      await reviewerContext.close();
    }
  });
}
