/**
 * The patient banner and prior imaging in a live session, end to end: an ADT^A01 over a real
 * MLLP socket puts the patient on every member's screen; the mentor opens the patient's prior CT
 * from a real Orthanc (DICOMweb), scrolls to a slice and sees its pixels, changes the window and
 * zooms; the PACS killed mid-look gives a clear message and the live picture carries on.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { adt } from '../../api/test/adt-messages.ts';
import { barColumn, barRows, ctSeries, type CtSeries } from '../../api/test/ct-series.ts';
import { startOrthanc, type Orthanc } from '../../api/test/orthanc.ts';
import { ANNOTATION_VERSION } from '@loupe/protocol';
import { unwrap } from '../src/lib/api/client.ts';
import { memberOnRtcNode, openLiveRoom, useLiveStack, type LiveRoom } from './live-room.ts';
import { CYAN, drag, waitForPicture } from './live-pages.ts';
import { waitForColour } from './pixels.ts';
import { outOfSight, settled } from './layout-check.ts';
import { SCREENSHOTS, type BrowserStack } from './stack.ts';

let stack: BrowserStack;
useLiveStack((s) => (stack = s));

const MRN = 'MRN-E2E-4711';
const SIZE = 64;
let orthanc: Orthanc, ct: CtSeries, hl7: Hl7Client;
beforeAll(async () => {
  orthanc = await startOrthanc();
  ct = ctSeries({ patientId: MRN, slices: 10, size: SIZE });
  for (const file of ct.files) {
    const res = await fetch(`${orthanc.url}/instances`, { method: 'POST', body: new Uint8Array(file) });
    if (!res.ok) throw new Error(`Orthanc refused a slice: ${res.status}`);
  }
  hl7 = new Hl7Client({ host: '127.0.0.1', port: stack.hl7Port });
});
afterAll(async () => {
  await hl7?.close();
  await orthanc?.stop();
});

/** The slice number the shown image says (its count of marker bars), read from the pixels the page has drawn. */
function sliceShown(page: Page): Promise<number> {
  const [top] = barRows(SIZE);
  const columns = Array.from({ length: 12 }, (_, k) => barColumn(k));
  return page.getByTestId('prior-image').evaluate(
    (img: HTMLImageElement, { y, columns }) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const grey = (x: number) => g.getImageData(x, y, 1, 1).data[0]!;
      let count = 0;
      while (count < columns.length && grey(columns[count]!) === 255 && grey(columns[count]! + 1) === 255) count++;
      return count;
    },
    { y: top + 1, columns },
  );
}

/** The grey level of the shown image at (x, y) of the slice. */
const greyAt = (page: Page, x: number, y: number) =>
  page.getByTestId('prior-image').evaluate(
    (img: HTMLImageElement, [x, y]) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d')!;
      g.drawImage(img, 0, 0);
      return g.getImageData(x!, y!, 1, 1).data[0]!;
    },
    [x, y],
  );

/** The session's site gets the test's Orthanc as its PACS, its bed the patient by an ADT^A01 (acknowledged AA). */
async function admitPatient(room: LiveRoom, controlId: string): Promise<void> {
  const host = await stack.asPerson(room.people.host);
  const site = await unwrap(
    host.sites.$post({ json: { name: `County Hospital ${room.session.id.slice(0, 6)}`, kind: 'hospital', parentId: null, dicomwebUrl: orthanc.dicomweb } }),
  );
  await stack.query('UPDATE live_sessions SET site_id = ? WHERE id = ?', [site.id, room.session.id]);
  const bed = `ED-${room.session.id.slice(0, 8)}^^3`;
  await unwrap(host.sessions[':id']['vitals-source'].$post({ param: { id: room.session.id }, json: { deviceId: bed } }));
  const message = adt({ controlId, bed, mrn: MRN, family: 'Wang', given: 'Li', birth: '19700315', sex: 'F', allergies: [['Penicillin', 'SV']] });
  const ack = await hl7.sendAndWait(Hl7Message.parse(message), { timeoutMs: 10_000 });
  expect(ack.getSegment('MSA')!.getField(1).toString()).toBe('AA');
}

/** The mentor opens the patient's prior CT and waits for its first slice. */
async function openPriorSeries(page: Page): Promise<void> {
  await page.getByTestId('priors-open').click();
  await page.getByTestId('prior-study').click();
  await page.getByTestId('prior-series').click();
  await expect.poll(() => sliceShown(page), { timeout: 15_000 }).toBe(1);
}

describe('patient banner and prior imaging', () => {
  it('shows the ADT patient to every member, and the mentor scrolls the prior CT to a slice, windows and zooms it; a PACS that dies says so', async () => {
    const room = await openLiveRoom(stack, { mentor: { viewport: { width: 1440, height: 900 } } });
    await admitPatient(room, 'e2e-adt-1');
    for (const page of [room.mentor, room.theatre, room.observer]) {
      await expect
        .poll(
          () =>
            page
              .getByTestId('patient-banner')
              .textContent()
              .catch(() => ''),
          { timeout: 10_000 },
        )
        .toContain('WANG, Li');
      expect(await page.getByTestId('patient-allergies').textContent()).toContain('Penicillin (SV)');
    }
    expect(await room.mentor.getByTestId('patient-banner').textContent()).toContain(MRN);

    // The mentor looks the patient up on the PACS and opens the series.
    await room.mentor.getByTestId('priors-open').click();
    await room.mentor.getByTestId('prior-study').click();
    await room.mentor.getByTestId('prior-series').click();
    await expect
      .poll(
        () =>
          room.mentor
            .getByTestId('prior-image')
            .getAttribute('data-slice')
            .catch(() => null),
        { timeout: 15_000 },
      )
      .toBe('1');
    await expect.poll(() => sliceShown(room.mentor), { timeout: 10_000 }).toBe(1);

    // Five turns of the wheel and two arrow keys: slice 8, whose pixels say 8.
    const picture = room.mentor.getByRole('slider', { name: /CT/ });
    await picture.hover();
    for (let i = 0; i < 5; i++) await room.mentor.mouse.wheel(0, 100);
    await picture.focus();
    await room.mentor.keyboard.press('ArrowDown');
    await room.mentor.keyboard.press('ArrowDown');
    await expect.poll(() => room.mentor.getByTestId('prior-slice').textContent(), { timeout: 10_000 }).toBe('Slice 8 of 10');
    await expect.poll(() => sliceShown(room.mentor), { timeout: 10_000 }).toBe(8);

    // The lung window: lung (HU -700, the right half) goes from black to grey.
    const lungBefore = await greyAt(room.mentor, 50, 30);
    await room.mentor.getByTestId('prior-window-lung').click();
    await expect.poll(() => room.mentor.getByTestId('prior-image').getAttribute('data-window'), { timeout: 10_000 }).toBe('lung');
    await expect.poll(() => greyAt(room.mentor, 50, 30), { timeout: 10_000 }).toBeGreaterThan(lungBefore + 90);
    expect(await sliceShown(room.mentor)).toBe(8);

    // The slider goes straight to a slice; zoom doubles the picture's size on screen.
    await room.mentor.getByTestId('prior-slider').fill('3');
    await expect.poll(() => sliceShown(room.mentor), { timeout: 10_000 }).toBe(3);
    const width = async () => (await room.mentor.getByTestId('prior-image').boundingBox())!.width;
    const before = await width();
    await room.mentor.getByRole('button', { name: 'Zoom in' }).click();
    await room.mentor.getByRole('button', { name: 'Zoom in' }).click();
    await room.mentor.getByRole('button', { name: 'Zoom in' }).click();
    expect(await width()).toBeCloseTo(before * 1.95, 0);
    await room.mentor.getByRole('button', { name: 'Zoom out' }).click();
    await room.mentor.getByRole('button', { name: 'Zoom out' }).click();
    await room.mentor.getByRole('button', { name: 'Zoom out' }).click();
    await room.mentor.screenshot({ path: join(SCREENSHOTS, 'priors-viewer-1440.png') });
    await room.observer.screenshot({ path: join(SCREENSHOTS, 'patient-banner-phone-390.png') });
    await room.theatre.screenshot({ path: join(SCREENSHOTS, 'patient-banner-theatre.png') });

    // The PACS dies: a slice not seen yet says so clearly; the live picture goes on underneath.
    await orthanc.kill();
    try {
      await room.mentor.getByTestId('prior-window-bone').click();
      await expect
        .poll(
          () =>
            room.mentor
              .getByTestId('prior-error')
              .textContent()
              .catch(() => ''),
          { timeout: 15_000 },
        )
        .toContain('PACS is not answering');
      await room.mentor.screenshot({ path: join(SCREENSHOTS, 'priors-pacs-down-1440.png') });
      await room.mentor.getByTestId('priors-close').click();
      await waitForPicture(room.mentor);
      await expect
        .poll(
          () =>
            room.mentor
              .locator('video')
              .first()
              .evaluate((v: HTMLVideoElement) => !v.paused && v.readyState >= 2),
          { timeout: 10_000 },
        )
        .toBe(true);
      expect(await room.mentor.getByTestId('patient-banner').textContent()).toContain('WANG, Li');
    } finally {
      await orthanc.start();
    }

    // The PACS back, the mentor goes on from a phone (the same person: the desktop page leaves the room)
    // and drags a finger down the picture: a slice per 16 px (PriorViewerPane).
    const phone = await room.openMentor(room.people.mentor, { viewport: { width: 390, height: 844 }, mobile: true });
    await phone.getByTestId('priors-open').click();
    await phone.getByTestId('prior-study').click();
    await phone.getByTestId('prior-series').click();
    await expect.poll(() => sliceShown(phone), { timeout: 15_000 }).toBe(1);
    const box = (await phone.getByRole('slider', { name: /CT/ }).boundingBox())!;
    const cdp = await phone.context().newCDPSession(phone);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', y: number) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: box.x + box.width / 2, y: box.y + y }] });
    await touch('touchStart', 20);
    for (let y = 30; y <= 20 + 16 * 5; y += 10) await touch('touchMove', y);
    await touch('touchEnd', 0);
    await expect.poll(() => sliceShown(phone), { timeout: 10_000 }).toBe(6);

    // Upright or on its side, the phone shows the window presets and Show to everyone without scrolling.
    for (const size of [
      { width: 390, height: 844 },
      { width: 844, height: 390 },
    ]) {
      await phone.setViewportSize(size);
      await settled(phone);
      await phone.screenshot({ path: join(SCREENSHOTS, `priors-viewer-phone-${size.width}x${size.height}.png`) });
      expect(await outOfSight(phone, '[data-testid^="prior-window-"], [data-testid="prior-share"]'), `${size.width}×${size.height}`).toEqual([]);
    }

    // In Chinese, on the phone both ways and on a desk: the banner and the viewer, for the eye and the layout checks.
    await phone.context().addCookies([{ name: 'loupe_locale', value: 'zh', url: stack.web.url }]);
    await phone.reload();
    await phone.getByTestId('patient-banner').waitFor({ timeout: 15_000 });
    for (const size of [
      { width: 390, height: 844 },
      { width: 844, height: 390 },
      { width: 1440, height: 900 },
    ]) {
      await phone.setViewportSize(size);
      await settled(phone);
      await phone.screenshot({ path: join(SCREENSHOTS, `patient-banner-zh-${size.width}x${size.height}.png`) });
      await openPriorSeries(phone);
      await phone.screenshot({ path: join(SCREENSHOTS, `priors-viewer-zh-${size.width}x${size.height}.png`) });
      expect(await outOfSight(phone, '[data-testid^="prior-window-"], [data-testid="prior-share"]'), `zh ${size.width}×${size.height}`).toEqual([]);
      await phone.getByTestId('priors-close').click();
    }
  });
});

const SHARED_TILE = '[data-source-tile*="#prior-"]';
const sharedStage = `${SHARED_TILE} [data-picture-rect]`;

/** The shared prior image as `page` shows it: its label, its decoded size, and the marks drawn on it. */
function sharedOn(page: Page) {
  return page
    .locator(SHARED_TILE)
    .evaluate((tile: HTMLElement) => {
      const img = tile.querySelector<HTMLImageElement>('[data-testid="shared-image"]');
      return {
        label: tile.dataset.label ?? '',
        width: img?.complete ? img.naturalWidth : 0,
        src: img?.getAttribute('src') ?? '',
        marks: Number(tile.querySelector<HTMLElement>('.canvas')?.dataset.annotations ?? 0),
      };
    })
    .catch(() => null);
}

describe('a prior image shown to everyone', () => {
  it('the mentor shows a CT slice in the lung window to theatre and an observer, draws on it for them and a late joiner, and takes it away; a forged share moves nobody', async () => {
    const room = await openLiveRoom(stack, { mentor: { viewport: { width: 1440, height: 900 } } });
    const { mentor, theatre, observer } = room;
    const errors: string[] = [];
    for (const page of [theatre, mentor, observer]) page.on('pageerror', (err) => errors.push(err.message));
    await admitPatient(room, 'e2e-adt-share');
    await openPriorSeries(mentor);
    await mentor.getByRole('slider', { name: /CT/ }).focus();
    for (let i = 0; i < 4; i++) await mentor.keyboard.press('ArrowDown');
    await mentor.getByTestId('prior-window-lung').click();
    await expect.poll(() => sliceShown(mentor), { timeout: 10_000 }).toBe(5);
    await mentor.getByTestId('prior-share').click();

    // Every member's page shows it as a picture of its own, fetched through the api in the lung window.
    for (const page of [mentor, theatre, observer]) {
      await expect.poll(async () => (await sharedOn(page))?.width, { timeout: 15_000 }).toBe(SIZE);
      const shown = (await sharedOn(page))!;
      expect(shown.label).toMatch(/CT.* · 5\/10$/);
      expect(shown.src).toMatch(/^\/api\/sessions\/.+\/rendered\?window=lung$/);
    }
    const id = await mentor.locator(SHARED_TILE).getAttribute('data-source-tile');
    const label = (await sharedOn(mentor))!.label;

    // The mentor makes it the large picture and draws on it: theatre sees the mark there, and only there.
    await mentor.getByRole('button', { name: `Show ${label} large` }).click();
    await mentor.locator(`${SHARED_TILE}.large`).waitFor();
    await drag(mentor, [0.2, 0.5], [0.7, 0.5], 12, true, sharedStage);
    const atMentor = await waitForColour(mentor, sharedStage, CYAN, (b) => !!b && b.maxX > 0.68);
    await expect.poll(async () => (await sharedOn(theatre))?.marks, { timeout: 10_000 }).toBe(1);
    await theatre.getByRole('button', { name: `Show ${label} large` }).click();
    const atTheatre = await waitForColour(theatre, sharedStage, CYAN, (b) => !!b && b.maxX > 0.68);
    for (const k of ['minX', 'maxX', 'minY', 'maxY'] as const) expect(Math.abs(atTheatre![k] - atMentor![k]), k).toBeLessThanOrEqual(0.01);
    const camera = `[data-source-tile]:not(${SHARED_TILE}) .canvas`;
    expect(await theatre.locator(camera).getAttribute('data-annotations')).toBe('0');
    await expect.poll(async () => (await sharedOn(observer))?.marks, { timeout: 10_000 }).toBe(1);

    // Someone who joins now gets the image and its mark (the overlay's snapshot carries the share).
    const late = await room.open(room.people.host, 'watch', { viewport: { width: 390, height: 844 }, mobile: true });
    await expect.poll(async () => await sharedOn(late), { timeout: 15_000 }).toMatchObject({ width: SIZE, marks: 1, label });
    await mentor.screenshot({ path: join(SCREENSHOTS, 'prior-shared-mentor-1440.png') });
    await theatre.screenshot({ path: join(SCREENSHOTS, 'prior-shared-theatre.png') });
    await late.screenshot({ path: join(SCREENSHOTS, 'prior-shared-phone-390.png') });

    // A theatre PC (theatre may send data) shares an image of its own, and one in the mentor's
    // name: both are dropped, and nobody's page shows a second one.
    const { who: rogue, participant } = await memberOnRtcNode(stack, room, 'Rogue PC', 'theatre');
    try {
      const before = Number(await observer.locator('[data-dropped]').first().getAttribute('data-dropped'));
      const image = { study: ct.studyUid, series: ct.seriesUid, sop: ct.sopUids[0], window: 'bone' };
      const forged = { v: ANNOTATION_VERSION, id: 'forged1', author: rogue.id, seq: 1, t: Date.now(), frame: null, kind: 'share', image, label: 'Forged' };
      for (const op of [forged, { ...forged, id: 'forged2', author: room.people.mentor.id }]) {
        await participant.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(op)), { reliable: true, topic: 'loupe.ops' });
      }
      await observer.waitForFunction((n) => Number(document.querySelector('[data-dropped]')?.getAttribute('data-dropped')) >= n, before + 2, {
        timeout: 10_000,
      });
      for (const page of [mentor, theatre, observer]) expect(await page.locator(SHARED_TILE).count()).toBe(1);
    } finally {
      await participant.disconnect();
    }

    // The mentor takes it away: it goes from every screen, the late joiner's too.
    await mentor.getByRole('button', { name: `Stop showing ${label}` }).click();
    for (const page of [mentor, theatre, observer, late]) await page.locator(`[data-source-tile="${id}"]`).waitFor({ state: 'detached', timeout: 10_000 });
    expect(errors, 'pages threw').toEqual([]);
  });
});
