/**
 * Several pictures at once (issue 16), end to end: real livekit-server, api and web; theatre's
 * Chromium sends its fake camera, the demo picture (a canvas) and a screen share
 * (--auto-select-desktop-capture-source), each labelled. A mark drawn on one picture must land on
 * that picture, on every screen, and on no other.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ANNOTATION_VERSION, TOPICS } from '@loupe/protocol';
import { SCREENSHOTS, type BrowserStack } from './stack.ts';
import { waitForColour } from './pixels.ts';
import { CYAN, drag } from './live-pages.ts';
import { memberOnRtcNode, openLiveRoom, useLiveStack } from './live-room.ts';

let stack: BrowserStack;
useLiveStack((s) => (stack = s), { chromium: { extraArgs: ['--auto-select-desktop-capture-source=Entire screen'] } });

const PHONE = { viewport: { width: 390, height: 844 }, mobile: true };
const tile = (id: string) => `[data-source-tile="${id}"] [data-picture-rect]`;

/** Theatre adds a picture: its label (one of the usual ones), then what it shows. */
async function addPicture(theatre: Page, label: string, choice: RegExp): Promise<void> {
  await theatre.getByTestId('add-source').click();
  await theatre.getByRole('radio', { name: label }).click();
  await theatre.getByRole('button', { name: choice }).click();
  await theatre.locator(`[data-source-tile][data-label="${label}"]`).waitFor({ timeout: 30_000 });
}

/** Waits until the tile of `id` on `page` plays decoded frames. */
async function waitForTile(page: Page, id: string): Promise<void> {
  await page.waitForFunction(
    (sel) => {
      const video = document.querySelector(`${sel} video`) as HTMLVideoElement | null;
      return !!video && video.videoWidth > 0 && video.readyState >= 2;
    },
    tile(id),
    { timeout: 30_000 },
  );
}

/** How many annotations each picture's canvas draws on `page`, by source id. */
async function marksBySource(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>('[data-source-tile]')].map((t) => [
        t.dataset.sourceTile!,
        Number(t.querySelector<HTMLElement>('.canvas')?.dataset.annotations ?? 0),
      ]),
    ),
  );
}

/** Frames presented so far by the picture of `id` (it carries on while it grows). */
async function framesOf(page: Page, id: string): Promise<number> {
  return page.locator(`${tile(id)} video`).evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames);
}

/**
 * A room whose theatre sends two pictures, the laparoscope and "Room" (the demo picture), both
 * playing on theatre and the mentor's page, and theatre showing the mentor on the laparoscope.
 */
async function roomWithTwoPictures() {
  const room = await openLiveRoom(stack, { observer: false });
  const { theatre, mentor } = room;
  const errors: string[] = [];
  for (const page of [theatre, mentor]) page.on('pageerror', (err) => errors.push(err.message));
  // One picture: Clear clears it all, as it always did.
  await mentor.getByRole('button', { name: 'Clear all' }).waitFor();
  await addPicture(theatre, 'Room', /Demo picture/);
  const owner = room.people.surgeon.id;
  const [lap, rm] = ['main', 'room'].map((key) => `${owner}#${key}`) as [string, string];
  for (const page of [theatre, mentor]) for (const id of [lap, rm]) await waitForTile(page, id);
  // Where the mentor looks, from the start: the laparoscope, the large picture.
  await theatre.locator(`[data-source-tile="${lap}"] [data-testid="source-lookers"]`).waitFor({ timeout: 10_000 });
  return { room, theatre, mentor, lap, rm, errors };
}

describe('several pictures from theatre', () => {
  it('a mark drawn on the second picture lands on it on theatre and phones, within 1 % of its width, and on no other, for a late joiner too; a picture removed leaves the others going', async () => {
    const room = await openLiveRoom(stack, { observer: PHONE, invite: [{ name: 'Dr. Phone Mentor', role: 'mentor' }] });
    const { theatre, mentor, observer } = room;
    const errors: string[] = [];
    for (const page of [theatre, mentor, observer]) page.on('pageerror', (err) => errors.push(err.message));
    const phoneMentor = await room.openMentor(room.people.others[0]!, PHONE);
    // The first picture is the laparoscope unless theatre says otherwise.
    await addPicture(theatre, 'Room', /Demo picture/);
    await theatre.locator('[data-source-tile][data-label="Laparoscope"]').waitFor();
    await addPicture(theatre, 'Ultrasound', /Screen or window/);

    const owner = room.people.surgeon.id;
    const [lap, rm, us] = ['main', 'room', 'ultrasound'].map((key) => `${owner}#${key}`) as [string, string, string];
    const pages = [theatre, mentor, observer];
    for (const page of [...pages, phoneMentor]) for (const id of [lap, rm, us]) await waitForTile(page, id);

    // One tap on a thumbnail makes it the large picture: the mentor draws on "Room".
    await mentor.getByRole('button', { name: 'Show Room large' }).click();
    await mentor.locator(`[data-source-tile="${rm}"].large`).waitFor();
    await drag(mentor, [0.3, 0.4], [0.6, 0.4], 12, true, tile(rm));
    const atMentor = await waitForColour(mentor, tile(rm), CYAN, (b) => !!b && b.maxX > 0.58);

    // Theatre sees where the mentor looks, and swaps "Room" large with one tap; so does the phone.
    await theatre.getByTestId('source-lookers').filter({ hasText: 'Prof. Zhang Min' }).waitFor({ timeout: 10_000 });
    expect(await theatre.locator(`[data-source-tile="${rm}"] [data-testid="source-lookers"]`).count()).toBe(1);
    // On the thumbnail the whole name shows, inside the tile, not cut short.
    const shown = await theatre.locator(`[data-source-tile="${rm}"] [data-testid="source-lookers"] .who`).evaluate((el) => {
      const [box, tileBox] = [el.getBoundingClientRect(), el.closest('[data-source-tile]')!.getBoundingClientRect()];
      return {
        cut: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1,
        inside: box.right <= tileBox.right && box.bottom <= tileBox.bottom,
      };
    });
    expect(shown).toEqual({ cut: false, inside: true });
    for (const page of [theatre, observer]) {
      await page.getByRole('button', { name: 'Show Room large' }).click();
      await page.locator(`[data-source-tile="${rm}"].large`).waitFor();
    }
    for (const page of [theatre, observer]) {
      const box = await waitForColour(page, tile(rm), CYAN, (b) => !!b && b.maxX > 0.58);
      for (const k of ['minX', 'maxX', 'minY', 'maxY'] as const) expect(Math.abs(box![k] - atMentor![k]), `${page.url()} ${k}`).toBeLessThanOrEqual(0.01);
      await expect.poll(() => marksBySource(page), { timeout: 10_000 }).toEqual({ [lap]: 0, [rm]: 1, [us]: 0 });
    }
    await expect.poll(() => marksBySource(phoneMentor), { timeout: 10_000 }).toEqual({ [lap]: 0, [rm]: 1, [us]: 0 });

    // Someone who joins now gets each mark on its own picture (the snapshot keeps its source).
    const late = await room.open(room.people.host, 'watch', PHONE);
    for (const id of [lap, rm, us]) await waitForTile(late, id);
    await expect.poll(() => marksBySource(late), { timeout: 15_000 }).toEqual({ [lap]: 0, [rm]: 1, [us]: 0 });

    await theatre.screenshot({ path: join(SCREENSHOTS, 'sources-theatre.png') });
    await mentor.screenshot({ path: join(SCREENSHOTS, 'sources-mentor.png') });
    await observer.screenshot({ path: join(SCREENSHOTS, 'sources-observer-phone.png') });
    await phoneMentor.screenshot({ path: join(SCREENSHOTS, 'sources-mentor-phone.png') });

    // Theatre takes "Ultrasound" off: every screen says so, the other two carry on with their marks.
    await theatre.getByRole('button', { name: /^People/ }).click();
    await theatre.getByRole('button', { name: 'Remove Ultrasound' }).click();
    for (const page of [mentor, observer, phoneMentor, late]) {
      await page.getByTestId('source-lost').filter({ hasText: 'Ultrasound' }).waitFor({ timeout: 10_000 });
      await page.locator(`[data-source-tile="${us}"]`).waitFor({ state: 'detached', timeout: 10_000 });
      for (const id of [lap, rm]) {
        const before = await framesOf(page, id);
        await expect.poll(() => framesOf(page, id), { timeout: 10_000 }).toBeGreaterThan(before + 5);
      }
      await expect.poll(() => marksBySource(page), { timeout: 10_000 }).toEqual({ [lap]: 0, [rm]: 1 });
    }
    await mentor.screenshot({ path: join(SCREENSHOTS, 'sources-mentor-lost.png') });
    expect(errors, 'pages threw').toEqual([]);
  });

  it('Clear clears the picture the mentor is on and says which, undo brings its marks back; a freeze freezes that picture, on theatre too', async () => {
    const { theatre, mentor, lap, rm, errors } = await roomWithTwoPictures();

    // A mark on each picture.
    await drag(mentor, [0.2, 0.3], [0.6, 0.3], 12, true, tile(lap));
    await mentor.getByRole('button', { name: 'Show Room large' }).click();
    await mentor.locator(`[data-source-tile="${rm}"].large`).waitFor();
    await drag(mentor, [0.2, 0.6], [0.6, 0.6], 12, true, tile(rm));
    await expect.poll(() => marksBySource(theatre), { timeout: 10_000 }).toEqual({ [lap]: 1, [rm]: 1 });

    // On "Room", the button says it clears "Room", and it does: the laparoscope keeps its mark.
    await mentor.getByRole('button', { name: 'Clear Room' }).click();
    await expect.poll(() => marksBySource(theatre), { timeout: 10_000 }).toEqual({ [lap]: 1, [rm]: 0 });
    expect(await marksBySource(mentor)).toEqual({ [lap]: 1, [rm]: 0 });
    await mentor.getByRole('button', { name: 'Undo', exact: true }).click();
    await expect.poll(() => marksBySource(theatre), { timeout: 10_000 }).toEqual({ [lap]: 1, [rm]: 1 });
    await mentor.screenshot({ path: join(SCREENSHOTS, 'sources-clear-picture.png') });

    // Freeze on "Room": theatre keeps both pictures live and shows the still in the corner of "Room" only,
    // which it marks as the one the mentor looks at.
    await theatre.locator(`[data-source-tile="${rm}"] [data-testid="source-lookers"]`).waitFor({ timeout: 10_000 });
    await mentor.getByRole('button', { name: 'Freeze frame' }).click();
    // The mentor's own page first: the freeze was made (a failure here is the mentor's, not the room's).
    await expect.poll(() => mentor.locator(`[data-source-tile="${rm}"] [data-testid="source-label"]`).textContent(), { timeout: 10_000 }).toContain('❚❚');
    await theatre
      .locator(`[data-source-tile="${rm}"] [data-testid="still"] img`)
      .waitFor({ timeout: 10_000 })
      .catch(async (err: unknown) => {
        const drops = await theatre.locator('[data-dropped]').first().getAttribute('data-drop-reasons');
        throw new Error(`theatre shows no still on "Room" (theatre dropped: ${drops || 'nothing'})`, { cause: err });
      });
    expect(await theatre.locator(`[data-source-tile="${lap}"] [data-testid="still"]`).count()).toBe(0);
    await expect.poll(() => theatre.locator(`[data-source-tile="${rm}"] [data-testid="source-label"]`).textContent(), { timeout: 10_000 }).toContain('❚❚');
    await expect(mentor.locator(`[data-source-tile="${lap}"] [data-testid="source-label"]`).textContent()).resolves.not.toContain('❚❚');
    const before = await framesOf(theatre, lap);
    await expect.poll(() => framesOf(theatre, lap), { timeout: 10_000 }).toBeGreaterThan(before + 5);
    await theatre.screenshot({ path: join(SCREENSHOTS, 'sources-freeze-theatre.png') });
    await mentor.getByRole('button', { name: 'Back to live' }).click();
    await theatre.locator(`[data-source-tile="${rm}"] [data-testid="still"]`).waitFor({ state: 'detached', timeout: 10_000 });
    expect(errors, 'pages threw').toEqual([]);
  });

  it('where a mentor looks is said by mentors only: a theatre PC claiming it, or flooding claims and junk, moves no marker and breaks no page', async () => {
    const { room, theatre, mentor, lap, rm, errors } = await roomWithTwoPictures();

    // A second theatre PC, with its real token.
    const { participant } = await memberOnRtcNode(stack, room, 'Rogue PC', 'theatre');
    try {
      const send = (data: unknown, topic: string = TOPICS.focus) =>
        participant.localParticipant!.publishData(new TextEncoder().encode(typeof data === 'string' ? data : JSON.stringify(data)), { reliable: true, topic });
      const droppedBefore = Number(await theatre.locator('[data-dropped]').first().getAttribute('data-dropped'));
      // It says it looks at "Room", 300 times, and sends junk.
      for (let i = 0; i < 300; i++) await send({ v: ANNOTATION_VERSION, kind: 'focus', source: rm });
      await send('{"v":');
      await send({ v: ANNOTATION_VERSION, kind: 'focus', source: 42 });
      // Then an op in the mentor's name, which theatre drops and counts: its packets come in order,
      // so once it is counted, all of the above has reached theatre too.
      const forged = { v: ANNOTATION_VERSION, id: 'forged1', author: room.people.mentor.id, seq: 1, t: Date.now(), frame: null, kind: 'clear' };
      await send(forged, TOPICS.ops);
      await theatre.waitForFunction((n) => Number(document.querySelector('[data-dropped]')?.getAttribute('data-dropped')) > n, droppedBefore, {
        timeout: 10_000,
      });
      // Theatre still shows the mentor on the laparoscope, and nobody on "Room".
      await expect(theatre.locator(`[data-source-tile="${rm}"] [data-testid="source-lookers"]`).count()).resolves.toBe(0);
      await expect(theatre.locator(`[data-source-tile="${lap}"] [data-testid="source-lookers"]`).textContent()).resolves.toContain(room.people.mentor.name);
      // The mentor's page keeps working: it looks at "Room", and theatre follows.
      await mentor.getByRole('button', { name: 'Show Room large' }).click();
      await theatre.locator(`[data-source-tile="${rm}"] [data-testid="source-lookers"]`).waitFor({ timeout: 10_000 });
      await expect(theatre.locator(`[data-source-tile="${rm}"] [data-testid="source-lookers"]`).textContent()).resolves.not.toContain('Rogue');
      await expect(theatre.locator(`[data-source-tile="${lap}"] [data-testid="source-lookers"]`).count()).resolves.toBe(0);
    } finally {
      await participant.disconnect();
    }
    expect(errors, 'pages threw').toEqual([]);
  });
});
