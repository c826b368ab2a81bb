/**
 * Reading what a person sees: where a colour appears in a screenshot, in normalised
 * coordinates of the picture (the video frame) on that page.
 */
import { PNG } from 'pngjs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from '@loupe/stack';

export type Box = { minX: number; maxX: number; minY: number; maxY: number; count: number };

export type Rgb = [number, number, number];

/** The picture's rectangle in page pixels, from the stage the app renders it in. */
export async function pictureRect(page: Page, stageSelector: string) {
  return page
    .locator(stageSelector)
    .first()
    .evaluate((el) => {
      const box = el.getBoundingClientRect();
      const [x, y, width, height] = (el.getAttribute('data-picture-rect') ?? '0,0,0,0').split(',').map(Number);
      return { x: box.left + x!, y: box.top + y!, width: width!, height: height! };
    });
}

/** Bounding box (normalised to the picture) of pixels within `tolerance` of `color`. */
export async function colourBox(page: Page, stageSelector: string, color: Rgb, tolerance = 60): Promise<Box | null> {
  const rect = await pictureRect(page, stageSelector);
  const png = PNG.sync.read(await page.screenshot());
  let box: Box | null = null;
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(png.width, Math.ceil(rect.x + rect.width));
  const y1 = Math.min(png.height, Math.ceil(rect.y + rect.height));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      const d = Math.abs(png.data[i]! - color[0]) + Math.abs(png.data[i + 1]! - color[1]) + Math.abs(png.data[i + 2]! - color[2]);
      if (d > tolerance) continue;
      const nx = (x + 0.5 - rect.x) / rect.width;
      const ny = (y + 0.5 - rect.y) / rect.height;
      box = box
        ? { minX: Math.min(box.minX, nx), maxX: Math.max(box.maxX, nx), minY: Math.min(box.minY, ny), maxY: Math.max(box.maxY, ny), count: box.count + 1 }
        : { minX: nx, maxX: nx, minY: ny, maxY: ny, count: 1 };
    }
  }
  return box;
}

/** Polls the screenshot until `check` holds for the colour's box (or the time runs out). */
export async function waitForColour(
  page: Page,
  stageSelector: string,
  color: Rgb,
  check: (box: Box | null) => boolean,
  timeoutMs = 10_000,
): Promise<Box | null> {
  const deadline = Date.now() + timeoutMs;
  let box: Box | null = null;
  while (Date.now() < deadline) {
    box = await colourBox(page, stageSelector, color);
    if (check(box)) return box;
  }
  const shot = join(ROOT, 'test-results', 'screenshots', `failed-${Date.now()}.png`);
  await page.screenshot({ path: shot });
  throw new Error(`colour ${color.join(',')} never satisfied the check on ${page.url()}; last box: ${JSON.stringify(box)} (${shot})`);
}
