/**
 * What the live browser tests do with a page: open a view signed in, wait for the picture,
 * draw with the mouse at normalised points of the picture.
 */
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { BrowserStack } from './stack.ts';
import { pictureRect, type Rgb } from './pixels.ts';

export const CYAN: Rgb = [0x00, 0xe5, 0xff];
export const LIME: Rgb = [0x76, 0xff, 0x03];
export const YELLOW: Rgb = [0xff, 0xea, 0x00];
export const BLUE: Rgb = [0x44, 0x8a, 0xff];
export const WHITE: Rgb = [255, 255, 255];
/** The live picture's stage, and the freeze-frame still's. */
export const LIVE = '[data-testid="live"] [data-picture-rect]';
export const STILL = '[data-testid="still"] [data-picture-rect]';

export type Viewport = { width: number; height: number };

/**
 * Opens `url` signed in as `who`, in a context of its own (closed by the caller through
 * `contexts`); `browser` defaults to the stack's.
 */
export async function openPage(
  stack: BrowserStack,
  contexts: BrowserContext[],
  who: { email: string; password: string },
  url: string,
  viewport: Viewport,
  options: { mobile?: boolean; browser?: Browser } = {},
): Promise<Page> {
  const device = options.mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 1 } : {};
  const context = options.browser
    ? await options.browser.newContext({ locale: 'en-GB', viewport, ...device })
    : await stack.contextFor(who, { viewport, ...device });
  if (options.browser) await context.addCookies([{ name: 'loupe_session', value: await stack.cookieFor(who), url: stack.web.url }]);
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  page.on('websocket', (ws) => sockets(page).push(ws.url()));
  await page.goto(`${stack.web.url}${url}`);
  return page;
}

const opened = new WeakMap<Page, string[]>();
const sockets = (page: Page) => opened.get(page) ?? (opened.set(page, []), opened.get(page)!);

/** The origins of the WebSockets a page opened by `openPage` has opened so far, oldest first (its livekit-server nodes). */
export function socketOrigins(page: Page): string[] {
  return sockets(page).map((url) => new URL(url).origin);
}

/** Waits until the picture in `selector` plays decoded frames. */
export async function waitForPicture(page: Page, selector = LIVE, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    (sel) => {
      const video = document.querySelector(`${sel} video`) as HTMLVideoElement | null;
      return !!video && video.videoWidth > 0 && video.readyState >= 2;
    },
    selector,
    { timeout },
  );
}

/** Page pixels of a normalised point of the picture on this page (`on`: the live picture, or STILL). */
export async function at(page: Page, point: [number, number], on = LIVE): Promise<[number, number]> {
  const rect = await pictureRect(page, on);
  return [rect.x + point[0] * rect.width, rect.y + point[1] * rect.height];
}

/** A mouse drag between two normalised points of the picture (still pressed if `release` is false). */
export async function drag(page: Page, from: [number, number], to: [number, number], steps = 12, release = true, on = LIVE): Promise<void> {
  const [x1, y1] = await at(page, from, on);
  const [x2, y2] = await at(page, to, on);
  await page.mouse.move(x1, y1);
  await page.mouse.down();
  await page.mouse.move(x2, y2, { steps });
  if (release) await page.mouse.up();
}

export const REC = '[data-testid="rec"]';

/** Theatre (or the host) starts recording, confirming both; waits until `pages` show REC. */
export async function startRecording(by: Page, pages: Page[]): Promise<void> {
  await by.getByRole('button', { name: '● Record' }).click();
  const start = by.getByRole('button', { name: '● Start recording' });
  await expect(start.isDisabled()).resolves.toBe(true);
  await by.getByLabel('Patient consent to recording is on file.').check();
  await expect(start.isDisabled()).resolves.toBe(true);
  await by.getByLabel('No patient identifiers (name, record number, date of birth) are in view.').check();
  await start.click();
  // REC shows once the recorder is really capturing, on every screen.
  for (const page of pages) await page.locator(`${REC}[data-state="recording"]`).waitFor({ timeout: 20_000 });
}
