import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { SessionKind } from '@loupe/protocol';
import { makeTissueVideo } from '@loupe/stack';
import { startBrowserStack, type BrowserStack } from '../../web/test/stack.ts';
import type { PageRtc } from './timed-frames.ts';

export const LIVE = '[data-testid="live"] [data-picture-rect]';

type Person = Awaited<ReturnType<BrowserStack['account']>>;
export type LiveScene = { stack: BrowserStack; sessionId: string; host: Person; theatre: Page; mentor: Person; extraMentors: Person[] };

/** Makes the Y4M theatre's fake camera plays at `path`, and says where it is. */
type VideoMaker = (path: string) => string;

/**
 * The stacks the rounds of a measure share, one a fake camera: a stack takes ~5 s to start and
 * stop, 7 measures × 3 rounds of the suite's 20 minutes. Each round still has its own accounts,
 * session and pages; `stopLiveStacks` (run.ts, after a measure's rounds) ends them.
 */
const shared = new Map<VideoMaker, Promise<{ stack: BrowserStack; dir: string }>>();

function stackFor(video: VideoMaker): Promise<{ stack: BrowserStack; dir: string }> {
  let made = shared.get(video);
  if (!made) {
    made = (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-live-'));
      try {
        return { stack: await startBrowserStack({ fakeVideo: video(join(dir, 'theatre.y4m')) }), dir };
      } catch (err) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    })();
    shared.set(video, made);
    made.catch(() => shared.delete(video));
  }
  return made;
}

/** Stops the stacks the last measure's rounds shared. */
export async function stopLiveStacks(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  for (const made of all) {
    const started = await made.catch(() => null);
    if (!started) continue;
    await started.stack.stop();
    rmSync(started.dir, { recursive: true, force: true });
  }
}

/**
 * The real stack with a live session whose theatre page (in Chromium, fake camera) is sending
 * its picture; a mentor and `extraMentors` more are invited. The round's pages are closed after
 * `run`; a round that fails takes its stack down with it, so the next starts clean.
 */
export async function withLiveTheatre<T>(
  o: {
    viewport: { width: number; height: number };
    extraMentors?: number;
    beforeLoad?: (() => void) | string;
    /** An ultrasound session's theatre is the scan room (guided exams). */
    kind?: SessionKind;
    /** The Y4M theatre's fake camera plays, made at `path`: a tissue-like picture unless said. */
    video?: VideoMaker;
  },
  run: (scene: LiveScene) => Promise<T>,
): Promise<T> {
  const { stack } = await stackFor(o.video ?? makeTissueVideo);
  const earlier = new Set(stack.browser.contexts());
  try {
    const host = await stack.account('admin', 'Bench Host');
    const surgeon = await stack.account('surgeon', 'Bench Theatre');
    const mentor = await stack.account('mentor', 'Bench Mentor');
    const extraMentors: Person[] = [];
    for (let i = 0; i < (o.extraMentors ?? 0); i++) extraMentors.push(await stack.account('mentor', `Bench Mentor ${i + 2}`));
    const session = await stack.liveSession(
      host,
      [{ email: surgeon.email, role: 'theatre' }, ...[mentor, ...extraMentors].map((p) => ({ email: p.email, role: 'mentor' as const }))],
      { kind: o.kind },
    );
    const context = await stack.contextFor(surgeon, { viewport: o.viewport });
    // A script to run in theatre's page before the app's own (a probe, a stand-in camera).
    if (o.beforeLoad) await context.addInitScript(o.beforeLoad);
    const theatre = await context.newPage();
    await theatre.goto(`${stack.web.url}/sessions/${session.id}/theatre`);
    await theatre
      .getByRole('button', { name: /Capture device/ })
      .first()
      .click();
    await waitForPicture(theatre);
    const result = await run({ stack, sessionId: session.id, host, theatre, mentor, extraMentors });
    // Pages left open would keep sending and receiving through the next round.
    await Promise.all(
      stack.browser
        .contexts()
        .filter((c) => !earlier.has(c))
        .map((c) => c.close()),
    );
    return result;
  } catch (err) {
    await stopLiveStacks();
    throw err;
  }
}

export function waitForPicture(page: Page) {
  return page.waitForFunction((sel) => (document.querySelector(`${sel} video`) as HTMLVideoElement | null)?.videoWidth, LIVE);
}

/** Theatre's three more pictures, making the four a theatre sends at most. */
export const EXTRA_PICTURES = ['Room', 'Ultrasound', 'Monitor'];

/** Theatre adds a picture of its own: the moving demo picture (1280×720, 30 fps), labelled `label`. */
export async function addDemoPicture(theatre: Page, label: string): Promise<void> {
  await theatre.getByTestId('add-source').click();
  await theatre.getByTestId('source-label-input').fill(label);
  await theatre.getByRole('button', { name: /Demo picture/ }).click();
  await theatre.locator(`[data-source-tile][data-label="${label}"]`).waitFor({ timeout: 30_000 });
}

/**
 * What the page's encoders send now, layer by layer (`rid:frame size@frames a second`), and why a layer is held
 * back (`cpu`, `bandwidth`): a busy box drops theatre's top layers before any mentor asks.
 */
export function sentVideoLayers(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const pc of (window as unknown as { __rtc: PageRtc }).__rtc.connections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: RTCOutboundRtpStreamStats & { qualityLimitationReason?: string }) => {
        if (s.type !== 'outbound-rtp' || s.kind !== 'video' || !s.frameWidth) return;
        const why = s.qualityLimitationReason && s.qualityLimitationReason !== 'none' ? `(${s.qualityLimitationReason})` : '';
        out.push(`${s.rid ?? '-'}:${s.frameWidth}x${s.frameHeight}@${Math.round(s.framesPerSecond ?? 0)}${why}`);
      });
    }
    return out.sort();
  });
}
