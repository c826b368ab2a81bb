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

/**
 * The real stack with a live session whose theatre page (in Chromium, fake camera) is sending
 * its picture; a mentor and `extraMentors` more are invited. Everything is torn down after `run`.
 */
export async function withLiveTheatre<T>(
  o: {
    viewport: { width: number; height: number };
    extraMentors?: number;
    beforeLoad?: (() => void) | string;
    /** An ultrasound session's theatre is the scan room (guided exams). */
    kind?: SessionKind;
    /** The Y4M theatre's fake camera plays, made at `path`: a tissue-like picture unless said. */
    video?: (path: string) => string;
  },
  run: (scene: LiveScene) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-live-'));
  const stack = await startBrowserStack({ fakeVideo: (o.video ?? makeTissueVideo)(join(dir, 'theatre.y4m')) });
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
    return await run({ stack, sessionId: session.id, host, theatre, mentor, extraMentors });
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
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
