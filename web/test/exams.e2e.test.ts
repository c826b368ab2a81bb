/**
 * A guided ultrasound exam, end to end: real livekit-server, api, web and Chromium, whose fake
 * camera plays a still grey sector made by ffmpeg (stack/src/fake-video.ts). The scan room
 * captures each eFAST view, the reviewer accepts or asks for a retake, and the still that
 * reaches the reviewer is held to the frame fed in, pixel for pixel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { dispose } from '@livekit/rtc-node';
import { firstFrameRgb, makeUltrasoundVideo } from '@loupe/stack';
import { BUILT_IN_PROTOCOLS } from '@loupe/protocol';
import { unwrap } from '../src/lib/api/client.ts';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';
import { openLiveRoom } from './live-room.ts';
import { layoutProblems } from './layout-check.ts';

/** What another screen shows after a capture, upload and the room's notice: seconds on a loaded machine, not vitest's default second. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

const efast = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!;
const FULL_HD = { width: 1920, height: 1080 };

let dir: string;
let video: string;
let stack: BrowserStack;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-exam-'));
  video = makeUltrasoundVideo(join(dir, 'ultrasound.y4m'));
  stack = await startBrowserStack({ fakeVideo: video });
});
afterAll(async () => {
  await stack?.stop();
  await dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The view the scan room's checklist says to take now. */
const currentView = (scanRoom: Page) => scanRoom.getByTestId('exam-current').locator('strong').innerText();
const checklistRow = (page: Page, key: string) => page.locator(`[data-testid="exam-checklist"] li[data-view="${key}"]`);

/** The reviewer's still of `viewKey`, once it has arrived, selected and large. */
async function review(mentor: Page, viewName: string, count: number) {
  await mentor
    .locator('[data-testid="still-thumb"]')
    .nth(count - 1)
    .waitFor();
  await poll(() => mentor.locator('[data-testid="still-thumb"][data-verdict="pending"]').count()).toBe(1);
  await mentor.locator('[data-testid="still-thumb"][data-verdict="pending"]').click();
  await poll(() => mentor.getByTestId('still-review').innerText()).toContain(viewName);
}

describe('a guided ultrasound exam', () => {
  it('runs a whole eFAST with one retake; the reviewer gets the scan room’s own pixels, and the report and statistics show the retake', async () => {
    const room = await openLiveRoom(stack, { kind: 'ultrasound', observer: false, theatre: { viewport: FULL_HD }, mentor: { viewport: FULL_HD } });
    const { theatre: scanRoom, mentor } = room;
    await expect(scanRoom.title()).resolves.toMatch(/Scan room/);

    // The reviewer starts the exam; both checklists show it at once.
    await mentor.getByTestId('exam-protocol').selectOption('efast');
    await mentor.getByRole('button', { name: 'Start exam' }).click();
    await poll(() => currentView(scanRoom)).toBe(efast.views[0]!.name.en);
    await poll(() => mentor.getByTestId('exam-checklist').locator('li').count()).toBe(efast.views.length);

    let stills = 0;
    for (const [i, view] of efast.views.entries()) {
      // The first with the big button, the others with the key a foot pedal sends.
      if (i === 0) await scanRoom.getByTestId('capture-still').click();
      else await scanRoom.keyboard.press('F8');
      await review(mentor, view.name.en, ++stills);
      if (i === 1) {
        await mentor.getByTestId('retake-reason').selectOption('incomplete_anatomy');
        await mentor.getByTestId('verdict-comment').fill('Show the whole splenorenal recess');
        await mentor.getByTestId('retake-still').click();
        // The retake reopens the view on the scan room's screen, with the retake counted.
        await poll(() => currentView(scanRoom)).toBe(view.name.en);
        await poll(() => checklistRow(scanRoom, view.key).innerText()).toMatch(/Retakes: 1/);
        await poll(() => scanRoom.getByTestId('retake-reason-shown').innerText()).toMatch(/Anatomy incomplete — Show the whole splenorenal recess/);
        await scanRoom.keyboard.press('F8');
        await review(mentor, view.name.en, ++stills);
      }
      if (i === 0) {
        // The reviewer marks the first still with an arrow; the mark is kept with it.
        await mentor.getByRole('button', { name: 'Arrow' }).click();
        const box = (await mentor.getByTestId('still-marks').boundingBox())!;
        await mentor.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
        await mentor.mouse.down();
        await mentor.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 8 });
        await mentor.mouse.up();
        await poll(() => mentor.locator('[data-testid="still-marks"] path').count()).toBe(1);
        await mentor.getByRole('button', { name: 'Arrow' }).click();
      }
      await mentor.getByTestId('score-4').click();
      await mentor.getByTestId('accept-still').click();
      await poll(() => checklistRow(scanRoom, view.key).getAttribute('data-state')).toBe('accepted');
      // The verdict and the still's way to the PACS, with a space each side of the dot.
      if (i === 0) await poll(() => mentor.getByTestId('still-verdict').innerText()).toMatch(/^Accepted · (PACS: \w+|Not for PACS)$/);
    }
    await poll(() => scanRoom.getByTestId('exam-summary').innerText()).toBe('All required views accepted');
    await scanRoom.screenshot({ path: join(SCREENSHOTS, 'exam-scan-room.png') });
    await mentor.locator('[data-testid="still-thumb"]').first().click();
    await mentor.screenshot({ path: join(SCREENSHOTS, 'exam-reviewer.png') });

    // Every still the reviewer got is the frame fed in, pixel for pixel, at full resolution.
    const api = await stack.asPerson(room.people.mentor);
    const { exams } = await unwrap(api.sessions[':id'].exams.$get({ param: { id: room.session.id } }));
    const [exam] = exams;
    expect(exam!.stills).toHaveLength(efast.views.length + 1);
    const marked = exam!.stills.find((s) => s.viewKey === efast.views[0]!.key)!;
    expect(marked.drawings).toEqual([expect.objectContaining({ kind: 'shape', shape: 'arrow', still: marked.id })]);
    const fedIn = firstFrameRgb(video);
    for (const still of exam!.stills) {
      const res = await fetch(`${stack.web.url}/api/stills/${still.id}/image`, {
        headers: { cookie: `loupe_session=${await stack.cookieFor(room.people.mentor)}` },
      });
      const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
      expect([png.width, png.height]).toEqual([1920, 1080]);
      const rgb = Buffer.alloc(png.width * png.height * 3);
      for (let p = 0, q = 0; p < png.data.length; p += 4, q += 3) png.data.copy(rgb, q, p, p + 3);
      expect(rgb.equals(fedIn), `still of ${still.viewKey} is the frame fed in`).toBe(true);
    }

    // The reviewer signs; the report lists every view, with the retake.
    await mentor.getByTestId('sign-exam').click();
    await poll(() => mentor.getByTestId('exam-panel').innerText()).toMatch(/Signed/);
    const context = await stack.contextFor(room.people.mentor, { viewport: FULL_HD });
    onTestFinished(() => context.close());
    const report = await context.newPage();
    await report.goto(`${stack.web.url}/exams/${exam!.id}/report`);
    const retakes = await report.getByTestId('report-retakes').allInnerTexts();
    expect(retakes).toEqual(efast.views.map((_, i) => (i === 1 ? '1' : '0')));
    await expect(report.getByTestId('exam-report').innerText()).resolves.toMatch(/Complete/);
    await report.screenshot({ path: join(SCREENSHOTS, 'exam-report.png'), fullPage: true });

    // The QC statistics count the retake: 1 of 7 verdicts, and the view's first still was not accepted.
    const qc = await context.newPage();
    await qc.goto(`${stack.web.url}/qc`);
    await expect(qc.locator('[data-tile="exams"] .value').innerText()).resolves.toBe('1');
    await expect(qc.locator('[data-tile="repeat"] .value').innerText()).resolves.toBe('14.3%');
    await expect(qc.locator('[data-tile="first-pass"] .value').innerText()).resolves.toBe('83.3%');
    const splenorenal = qc.getByRole('region', { name: 'Per view' }).getByRole('row', { name: /Left upper quadrant/ });
    await expect(splenorenal.innerText()).resolves.toMatch(/^Left upper quadrant \(splenorenal\)\s+1\s+2\s+0%\s+50%\s+4\s/);
  });

  it('a reviewer on a phone, upright and on its side, reviews a still in Chinese', async () => {
    const room = await openLiveRoom(stack, { kind: 'ultrasound', observer: false, mentor: false });
    const context = await stack.contextFor(room.people.mentor, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    onTestFinished(() => context.close());
    const phone = await context.newPage();
    await phone.goto(`${stack.web.url}/sessions/${room.session.id}/mentor`);
    await phone.getByTestId('exam-protocol').selectOption('efast');
    await phone.getByTestId('exam-panel').locator('button.primary').click();
    await poll(() => currentView(room.theatre)).toBe(efast.views[0]!.name.en);
    await room.theatre.keyboard.press('F8');
    // On a phone the live picture and the still take turns: the tab counts the still waiting.
    await poll(() => phone.getByTestId('pane-still').innerText()).toMatch(/1$/);
    await phone.getByTestId('pane-still').click();
    await phone.getByTestId('accept-still').waitFor();
    await poll(() => phone.getByTestId('still-review').innerText()).toContain(efast.views[0]!.name.zh);
    await phone.screenshot({ path: join(SCREENSHOTS, 'exam-reviewer-phone-zh.png') });
    expect(await layoutProblems(phone)).toEqual([]);

    await phone.setViewportSize({ width: 844, height: 390 });
    await poll(() => layoutProblems(phone)).toEqual([]);
    await phone.screenshot({ path: join(SCREENSHOTS, 'exam-reviewer-phone-landscape-zh.png') });
    await phone.getByTestId('score-3').click();
    await phone.getByTestId('accept-still').click();
    await poll(() => checklistRow(room.theatre, efast.views[0]!.key).getAttribute('data-state')).toBe('accepted');
  });
});
