/**
 * Drawings stay on the picture when the page changes size after they were drawn: a phone
 * turned over, an OR window enlarged, the side panel closed. Each check reads the pixels again
 * and compares where the drawing sits on the picture, within 1 % of its width.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, type BrowserStack } from './stack.ts';
import { waitForColour, type Box } from './pixels.ts';
import { LIME, LIVE, drag, waitForPicture, type Viewport } from './live-pages.ts';
import { openLiveRoom, useLiveStack } from './live-room.ts';

let stack: BrowserStack;
useLiveStack((s) => (stack = s));

/** A long diagonal arrow, corner to corner: cut off anywhere, its box shrinks. */
const FROM: [number, number] = [0.08, 0.1];
const TO: [number, number] = [0.92, 0.9];

function onPicture(box: Box | null): boolean {
  return !!box && Math.abs(box.minX - FROM[0]) <= 0.01 && Math.abs(box.maxX - TO[0]) <= 0.01 && Math.abs(box.maxY - TO[1]) <= 0.01;
}

async function drawArrow(mentor: Page): Promise<void> {
  await mentor.getByRole('radio', { name: 'Arrow' }).click();
  await mentor.getByRole('radio', { name: 'Colour 2' }).click();
  await drag(mentor, FROM, TO);
}

/** Resizes the page, waits until the picture has its new size, and reads the arrow again. */
async function resizeAndCheck(page: Page, viewport: Viewport, label: string): Promise<void> {
  const before = await page.locator(LIVE).first().getAttribute('data-picture-rect');
  await page.setViewportSize(viewport);
  await page.waitForFunction(([sel, old]) => document.querySelector(sel)?.getAttribute('data-picture-rect') !== old, [LIVE, before] as const, {
    timeout: 10_000,
  });
  await waitForPicture(page);
  const box = await waitForColour(page, LIVE, LIME, onPicture, 10_000).catch(async (err: Error) => {
    throw new Error(`${label} at ${viewport.width}x${viewport.height}: ${err.message}`);
  });
  expect(onPicture(box), label).toBe(true);
  await page.screenshot({ path: join(SCREENSHOTS, `resize-${label}-${viewport.width}x${viewport.height}.png`) });
}

describe('drawings after a resize or rotation, in Chromium', () => {
  it('a theatre window enlarged from 1024×768 to 2560×1080 and back shows the whole drawing', async () => {
    const { mentor, theatre } = await openLiveRoom(stack, { theatre: { viewport: { width: 1024, height: 768 } }, observer: false });
    await drawArrow(mentor);
    await waitForColour(theatre, LIVE, LIME, onPicture);
    await resizeAndCheck(theatre, { width: 2560, height: 1080 }, 'theatre');
    await resizeAndCheck(theatre, { width: 1280, height: 800 }, 'theatre');
  });

  it('theatre’s side panel opened and closed after drawing leaves the drawing on the picture', async () => {
    const { mentor, theatre } = await openLiveRoom(stack, { theatre: { viewport: { width: 1280, height: 800 } }, observer: false });
    await drawArrow(mentor);
    await waitForColour(theatre, LIVE, LIME, onPicture);
    const people = theatre.getByRole('button', { name: /^People \(\d+\)$/ });
    for (const state of ['opened', 'closed']) {
      const before = await theatre.locator(LIVE).first().getAttribute('data-picture-rect');
      await people.click();
      await theatre.waitForFunction(([sel, old]) => document.querySelector(sel)?.getAttribute('data-picture-rect') !== old, [LIVE, before] as const, {
        timeout: 10_000,
      });
      await waitForColour(theatre, LIVE, LIME, onPicture).catch((err: Error) => {
        throw new Error(`side panel ${state}: ${err.message}`);
      });
    }
  });

  it('a phone turned from portrait to landscape and back shows the whole drawing (observer and mentor)', async () => {
    const room = await openLiveRoom(stack, {
      observer: { viewport: { width: 412, height: 915 }, mobile: true },
      invite: [{ name: 'Prof. On A Phone', role: 'mentor' }],
    });
    const mentorPhone = await room.openMentor(room.people.others[0]!, { viewport: { width: 412, height: 915 }, mobile: true });
    await drawArrow(room.mentor);
    for (const page of [room.observer, mentorPhone]) await waitForColour(page, LIVE, LIME, onPicture);
    for (const [page, label] of [
      [room.observer, 'observer-phone'],
      [mentorPhone, 'mentor-phone'],
    ] as const) {
      await resizeAndCheck(page, { width: 915, height: 412 }, label);
      await resizeAndCheck(page, { width: 412, height: 915 }, label);
    }
  });

  it('the mentor’s own window resized after drawing still shows the drawing where it was drawn', async () => {
    const { mentor } = await openLiveRoom(stack, { observer: false });
    await drawArrow(mentor);
    await waitForColour(mentor, LIVE, LIME, onPicture);
    await resizeAndCheck(mentor, { width: 1920, height: 1080 }, 'mentor');
    await resizeAndCheck(mentor, { width: 1024, height: 768 }, 'mentor');
  });
});
