/**
 * What the fault tests read on a page: the reconnecting banner and when it showed, how many
 * annotations it draws, whether it is live again; and the network cut of one observer.
 */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { waitForColour, type Rgb } from './pixels.ts';
import { CYAN, LIME, LIVE, YELLOW, drag, waitForPicture } from './live-pages.ts';
import type { LiveRoom } from './live-room.ts';
import type { CuttableChromium } from './network-cut.ts';

export const RECONNECTING = '[data-testid="reconnecting"]';
export const PROBLEM = '[data-testid="connection-problem"]';

/** How many annotations a page draws (its canvas says so in `data-annotations`). */
export function annotationCount(page: Page): Promise<number> {
  return page.locator(`${LIVE} [data-annotations]`).first().getAttribute('data-annotations').then(Number);
}

/** Waits until `page` draws exactly as many annotations as `reference` does. */
export async function sameAnnotationCount(page: Page, reference: Page, timeout = 30_000): Promise<number> {
  const expected = await annotationCount(reference);
  await page.waitForFunction(
    ([sel, n]) => document.querySelector(`${sel} [data-annotations]`)?.getAttribute('data-annotations') === String(n),
    [LIVE, expected] as const,
    { timeout },
  );
  return expected;
}

export async function pen(mentor: Page, colour: number): Promise<void> {
  await mentor.getByRole('radio', { name: 'Pen' }).click();
  await mentor.getByRole('radio', { name: `Colour ${colour}` }).click();
}

/** Waits until every page shows a stroke of `colour` ending at (x1, y). */
export async function seenEverywhere(pages: Page[], colour: Rgb, x1: number, y: number, timeout = 30_000): Promise<void> {
  for (const page of pages) {
    await waitForColour(page, LIVE, colour, (b) => !!b && Math.abs(b.maxX - x1) < 0.03 && Math.abs(b.maxY - y) < 0.04, timeout);
  }
}

/** Notes, with the page's own clock, when the reconnecting banner first shows from now on. */
export async function watchBanner(page: Page): Promise<void> {
  await page.evaluate((sel) => {
    const w = window as unknown as { bannerShownAt: number | null };
    w.bannerShownAt = null;
    const check = () => {
      if (w.bannerShownAt === null && document.querySelector(sel)) w.bannerShownAt = Date.now();
    };
    new MutationObserver(check).observe(document.body, { childList: true, subtree: true });
  }, RECONNECTING);
}

export function bannerShownAt(page: Page): Promise<number | null> {
  return page.evaluate(() => (window as unknown as { bannerShownAt: number | null }).bannerShownAt);
}

/** Resolves once the page is live again: no banner, and the picture plays. */
export async function backLive(page: Page, timeout = 90_000): Promise<void> {
  await page.locator(RECONNECTING).waitFor({ state: 'detached', timeout });
  await page.locator(PROBLEM).waitFor({ state: 'detached', timeout });
  await waitForPicture(page, LIVE, timeout);
}

/**
 * An observer on `cuttable` loses its network for `seconds` while the mentor draws three
 * strokes at `strokesAt`: the banner shows within 2 s, and once back the observer has each
 * stroke, once.
 */
export async function cutObserverFor(room: LiveRoom, cuttable: CuttableChromium, seconds: number, strokesAt: number): Promise<void> {
  const { mentor } = room;
  const cut = await room.open(room.people.trainee, 'watch', { viewport: { width: 1280, height: 720 }, browser: cuttable.browser });
  await waitForPicture(cut);
  await sameAnnotationCount(cut, mentor);
  await watchBanner(cut);

  const cutAt = Date.now();
  await cuttable.cut();
  const strokes: [number, Rgb, number][] = [
    [1, CYAN, 0.7],
    [2, LIME, 0.8],
    [3, YELLOW, 0.9],
  ];
  for (const [colour, , y] of strokes) {
    await pen(mentor, colour);
    await drag(mentor, [strokesAt, y], [strokesAt + 0.15, y]);
  }
  // The cut lasting `seconds` of real time is what is tested, not a wait for an event.
  await cut.waitForTimeout(Math.max(0, cutAt + seconds * 1000 - Date.now()));
  await cuttable.restore();
  const restoredAt = Date.now();

  const shownAt = await bannerShownAt(cut);
  expect(shownAt, 'the reconnecting banner showed during the cut').not.toBeNull();
  console.log(`network cut for ${seconds} s: banner after ${shownAt! - cutAt} ms`);
  expect(shownAt! - cutAt).toBeLessThanOrEqual(2000);

  await backLive(cut);
  for (const [, colour, y] of strokes) await seenEverywhere([cut], colour, strokesAt + 0.15, y);
  // Every annotation once: as many as the mentor draws.
  await sameAnnotationCount(cut, mentor);
  console.log(`network back after ${seconds} s: live again ${Date.now() - restoredAt} ms later`);
}
