/**
 * A view's reference image, from the protocol editor to the exam: a QC lead attaches it to the
 * first eFAST view and saves a new version; an exam on that version shows it to the scan room
 * beside the acceptance text (not over the live picture) and to the reviewer beside the still.
 * Real livekit-server, api, web and Chromium; the image is a line diagram made here, no patient's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PNG } from 'pngjs';
import type { Locator, Page } from 'playwright-core';
import { dispose } from '@livekit/rtc-node';
import { makeUltrasoundVideo } from '@loupe/stack';
import { BUILT_IN_PROTOCOLS } from '@loupe/protocol';
import { unwrap } from '../src/lib/api/client.ts';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';
import { openLiveRoom } from './live-room.ts';
import { LIVE, waitForPicture } from './live-pages.ts';
import { layoutProblems } from './layout-check.ts';

const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });
const efast = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!;
const FULL_HD = { width: 1920, height: 1080 };
const PHONE = { width: 390, height: 844 };

/** A line diagram: the outline of a probe's sector with two organ outlines, white on black. */
function sectorDiagram(width = 480, height = 360): Buffer {
  const png = new PNG({ width, height });
  const cx = width / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const angle = Math.atan2(x - cx, y + 10);
      const r = Math.hypot(x - cx, y + 10);
      const edge = (Math.abs(Math.abs(angle) - 0.6) < 0.008 && r < height) || (Math.abs(r - (height - 10)) < 1.5 && Math.abs(angle) < 0.6);
      const organ = Math.abs(Math.hypot((x - cx + 60) / 70, (y - 170) / 45) - 1) < 0.03 || Math.abs(Math.hypot((x - cx - 70) / 40, (y - 230) / 60) - 1) < 0.04;
      const value = edge || organ ? 255 : 0;
      const i = (y * width + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = value;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png, { colorType: 2 });
}

let dir: string;
let stack: BrowserStack;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-reference-'));
  stack = await startBrowserStack({ fakeVideo: makeUltrasoundVideo(join(dir, 'ultrasound.y4m')) });
});
afterAll(async () => {
  await stack?.stop();
  await dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Whether the image has loaded (a broken or refused one has no natural size), and its box. */
const loaded = (page: Page, testId: string) =>
  page
    .getByTestId(testId)
    .locator('img')
    .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);

/**
 * Whether most of the element is in sight as the page is now, nothing scrolled: inside the
 * window and inside every ancestor that clips or scrolls.
 */
const inSight = (target: Locator) =>
  target.evaluate((el) => {
    const box = el.getBoundingClientRect();
    let [top, bottom] = [Math.max(box.top, 0), Math.min(box.bottom, window.innerHeight)];
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowY === 'visible') continue;
      const r = a.getBoundingClientRect();
      [top, bottom] = [Math.max(top, r.top), Math.min(bottom, r.bottom)];
    }
    return box.height > 0 && bottom - top >= box.height * 0.8;
  });

/** The page in `lang`, reloaded as the app's language switch leaves it. */
async function inLanguage(page: Page, lang: 'en' | 'zh') {
  await page.context().addCookies([{ name: 'loupe_locale', value: lang, url: stack.web.url }]);
  await page.reload();
}

describe('reference images of protocol views', () => {
  it('a QC lead attaches one to a view; the scan room sees it beside the acceptance text, the reviewer beside the still', async () => {
    const diagram = sectorDiagram();
    const file = join(dir, 'ruq-reference.png');
    writeFileSync(file, diagram);

    // The QC lead edits eFAST (built in: the edit is its next version) and attaches the image to its first view.
    const lead = await stack.account('qc_lead', 'QC Lead Zhao');
    const editor = await (await stack.contextFor(lead, { viewport: FULL_HD })).newPage();
    onTestFinished(() => editor.context().close());
    await editor.goto(`${stack.web.url}/protocols/efast/edit`);
    const first = editor.locator('[data-view-index="0"]');
    await first.getByTestId('reference-input').setInputFiles(file);
    await poll(() => first.getByTestId('reference-preview').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(480);
    // A file that is no image is refused in the QC lead's words, and the view keeps its image.
    writeFileSync(join(dir, 'notes.png'), 'not an image at all');
    await editor.locator('[data-view-index="1"]').getByTestId('reference-input').setInputFiles(join(dir, 'notes.png'));
    await poll(() => editor.locator('[data-view-index="1"]').getByRole('alert').innerText()).toMatch(/must be an intact PNG or JPEG/);
    await editor
      .locator('[data-view-index="1"]')
      .getByTestId('reference-picker')
      .screenshot({ path: join(SCREENSHOTS, 'protocol-reference-refused.png') });
    await first.screenshot({ path: join(SCREENSHOTS, 'protocol-reference-editor.png') });
    await editor.getByRole('button', { name: /Save as new version/ }).click();
    await editor.waitForURL(/\/protocols\/efast\?version=2/);
    await poll(() => editor.locator('li[data-view="ruq"] img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(480);
    await editor.screenshot({ path: join(SCREENSHOTS, 'protocol-reference-version.png') });

    // An exam on the new version.
    const room = await openLiveRoom(stack, { kind: 'ultrasound', theatre: { viewport: FULL_HD }, mentor: { viewport: FULL_HD } });
    const { theatre: scanRoom, mentor, observer } = room;
    await mentor.getByTestId('exam-protocol').selectOption('efast');
    await mentor.getByRole('button', { name: 'Start exam' }).click();
    await poll(() => loaded(scanRoom, 'exam-reference')).toBe(true);

    // The scan room's image is the one uploaded, byte for byte, and it lies beside the live picture, not over it.
    const api = await stack.asPerson(room.people.surgeon);
    const { exams } = await unwrap(api.sessions[':id'].exams.$get({ param: { id: room.session.id } }));
    expect(exams[0]).toMatchObject({ protocolKey: 'efast', protocolVersion: 2 });
    const src = await scanRoom.getByTestId('exam-reference').locator('img').getAttribute('src');
    const served = await fetch(`${stack.web.url}${src}`, { headers: { cookie: `loupe_session=${await stack.cookieFor(room.people.surgeon)}` } });
    expect(Buffer.from(await served.arrayBuffer()).equals(diagram)).toBe(true);
    const picture = (await scanRoom.locator(LIVE).boundingBox())!;
    const image = (await scanRoom.getByTestId('exam-reference').locator('img').boundingBox())!;
    const overlaps =
      image.x < picture.x + picture.width && picture.x < image.x + image.width && image.y < picture.y + picture.height && picture.y < image.y + image.height;
    expect(overlaps, 'the reference image lies over the live picture').toBe(false);
    expect(image.height).toBeGreaterThanOrEqual(120);
    expect(await layoutProblems(scanRoom)).toEqual([]);
    // The image belongs to the current view: the first.
    await poll(() => scanRoom.getByTestId('exam-current').locator('strong').innerText()).toBe(efast.views[0]!.name.en);
    await scanRoom.screenshot({ path: join(SCREENSHOTS, 'exam-reference-scan-room-en.png') });

    // The same scan room on a phone held upright: the panel is a strip under the picture, and the
    // image and the capture button show without scrolling anything.
    await scanRoom.setViewportSize(PHONE);
    await poll(() => inSight(scanRoom.getByTestId('exam-reference').locator('img'))).toBe(true);
    await poll(() => inSight(scanRoom.getByTestId('capture-still-bar'))).toBe(true);
    // It says what it does in words, not with an icon alone, however tight the bar.
    expect((await scanRoom.getByTestId('capture-still-bar').getByText('Capture still').boundingBox())?.width).toBeGreaterThan(40);
    expect(await layoutProblems(scanRoom)).toEqual([]);
    await scanRoom.screenshot({ path: join(SCREENSHOTS, 'exam-reference-scan-room-phone-en.png') });
    await scanRoom.setViewportSize(FULL_HD);

    // The observer's phone shows it too, within the width.
    await poll(() => loaded(observer, 'exam-reference')).toBe(true);
    expect(await layoutProblems(observer)).toEqual([]);
    // Below the picture on a phone, in the panel that scrolls.
    await observer.getByTestId('exam-reference').scrollIntoViewIfNeeded();
    await observer.screenshot({ path: join(SCREENSHOTS, 'exam-reference-phone-en.png') });

    // In Chinese, the scan room sending its picture again after the reload.
    await inLanguage(scanRoom, 'zh');
    await scanRoom
      .getByRole('button', { name: /采集设备/ })
      .first()
      .click();
    await waitForPicture(scanRoom);
    await poll(() => loaded(scanRoom, 'exam-reference')).toBe(true);
    await expect(scanRoom.getByTestId('exam-reference').innerText()).resolves.toContain('参考图像');
    await scanRoom.screenshot({ path: join(SCREENSHOTS, 'exam-reference-scan-room-zh.png') });
    await inLanguage(observer, 'zh');
    await waitForPicture(observer);
    await poll(() => loaded(observer, 'exam-reference')).toBe(true);
    expect(await layoutProblems(observer)).toEqual([]);
    await observer.getByTestId('exam-reference').scrollIntoViewIfNeeded();
    await observer.screenshot({ path: join(SCREENSHOTS, 'exam-reference-phone-zh.png') });

    // The reviewer sees it beside the still of that view.
    await scanRoom.getByTestId('capture-still').click();
    await mentor.locator('[data-testid="still-thumb"]').first().waitFor({ timeout: 20_000 });
    await mentor.locator('[data-testid="still-thumb"]').first().click();
    await poll(() => loaded(mentor, 'review-reference')).toBe(true);
    expect(await layoutProblems(mentor)).toEqual([]);
    // On the reviewer's 1920×1080 monitor the still, the reference beside it and the verdict are all in sight.
    for (const target of [mentor.getByTestId('still-image'), mentor.getByTestId('review-reference').locator('img'), mentor.getByTestId('accept-still')])
      await poll(() => inSight(target)).toBe(true);
    await mentor.screenshot({ path: join(SCREENSHOTS, 'exam-reference-reviewer-en.png') });
    // On a phone, in the stills pane, the reference lies beside the still, both in sight.
    await mentor.setViewportSize(PHONE);
    await mentor.getByTestId('pane-still').click();
    await poll(() => inSight(mentor.getByTestId('review-reference').locator('img'))).toBe(true);
    await poll(() => inSight(mentor.getByTestId('still-image'))).toBe(true);
    expect(await layoutProblems(mentor)).toEqual([]);
    await mentor.screenshot({ path: join(SCREENSHOTS, 'exam-reference-reviewer-phone-en.png') });
    await mentor.setViewportSize(FULL_HD);
    await inLanguage(mentor, 'zh');
    await waitForPicture(mentor);
    await mentor.locator('[data-testid="still-thumb"]').first().click();
    await poll(() => loaded(mentor, 'review-reference')).toBe(true);
    await expect(mentor.getByTestId('review-reference').innerText()).resolves.toContain('参考图像');
    await mentor.screenshot({ path: join(SCREENSHOTS, 'exam-reference-reviewer-zh.png') });
  });
});
