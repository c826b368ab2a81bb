/**
 * Drawing on the live picture, end to end: real livekit-server, api and web, Chromium with a
 * fake camera playing a Y4M made by ffmpeg. Every test opens a session of its own (live-room.ts);
 * assertions read the pixels people see.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, type BrowserStack } from './stack.ts';
import { colourBox, waitForColour, type Box, type Rgb } from './pixels.ts';
import { BLUE, CYAN, LIME, LIVE, STILL, WHITE, YELLOW, at, drag, waitForPicture } from './live-pages.ts';
import { openLiveRoom, useLiveStack } from './live-room.ts';

let stack: BrowserStack;
useLiveStack((s) => (stack = s));

const close = (a: number, b: number, tolerance = 0.01) => Math.abs(a - b) <= tolerance;
function sameBox(a: Box | null, b: Box | null, label: string) {
  expect(a, `${label}: first box`).not.toBeNull();
  expect(b, `${label}: second box`).not.toBeNull();
  for (const k of ['minX', 'maxX', 'minY', 'maxY'] as const) expect(Math.abs(a![k] - b![k]), `${label} ${k}`).toBeLessThanOrEqual(0.01);
}

async function tool(mentor: Page, name: string, colour?: number): Promise<void> {
  await mentor.getByRole('radio', { name }).click();
  if (colour) await mentor.getByRole('radio', { name: `Colour ${colour}` }).click();
}

/** An arrow and a text label, as the mentor places them. */
async function arrowAndLabel(mentor: Page): Promise<void> {
  await tool(mentor, 'Arrow', 2);
  await drag(mentor, [0.5, 0.55], [0.75, 0.7]);
  await tool(mentor, 'Text', 3);
  const [tx, ty] = await at(mentor, [0.12, 0.82]);
  await mentor.mouse.click(tx, ty);
  await mentor.getByRole('textbox', { name: 'Text' }).fill('3 o’clock: tear');
  await mentor.keyboard.press('Enter');
}

describe('drawing on the live picture, in Chromium', () => {
  it('theatre sends its capture device; the mentor and a phone observer see it, and know who is here', async () => {
    const room = await openLiveRoom(stack);
    await expect(room.observer.getByRole('toolbar').count()).resolves.toBe(0);
    const surgeon = room.mentor.locator(`li[data-identity="${room.people.surgeon.id}"]`);
    await surgeon.waitFor();
    await expect(surgeon.innerText()).resolves.toMatch(/Dr\. Chen Hao[\s\S]*Theatre/);
  });

  it('a stroke appears at the same place of the picture on every screen, while it is drawn and after', async () => {
    const { mentor, theatre, observer } = await openLiveRoom(stack);
    await drag(mentor, [0.2, 0.3], [0.4, 0.3], 10, false);
    // Still drawing: theatre and the phone already show the line growing.
    for (const page of [theatre, observer]) {
      const box = await waitForColour(page, LIVE, CYAN, (b) => !!b && b.maxX > 0.38);
      expect(close(box!.minX, 0.2)).toBe(true);
      expect(close((box!.minY + box!.maxY) / 2, 0.3)).toBe(true);
    }
    const [x, y] = await at(mentor, [0.6, 0.3]);
    await mentor.mouse.move(x, y, { steps: 10 });
    await mentor.mouse.up();
    const seenByMentor = await waitForColour(mentor, LIVE, CYAN, (b) => !!b && b.maxX > 0.59);
    for (const page of [theatre, observer]) {
      const box = await waitForColour(page, LIVE, CYAN, (b) => !!b && b.maxX > 0.59);
      expect(close(box!.minX, 0.2)).toBe(true);
      expect(close(box!.maxX, 0.6)).toBe(true);
      sameBox(box, seenByMentor, 'stroke');
    }
  });

  it('the mentor’s delay readout shows the drawing’s measured way to the OR and the network round trip', async () => {
    const { mentor, theatre } = await openLiveRoom(stack, { observer: false });
    // Theatre acknowledges each annotation once it is on its display; a few strokes give a median.
    for (const y of [0.2, 0.3, 0.4]) {
      await drag(mentor, [0.2, y], [0.5, y]);
      await waitForColour(theatre, LIVE, CYAN, (b) => !!b && b.maxY > y - 0.02);
    }
    const figure = async (id: string) => (await mentor.getByTestId(id).innerText()).trim();
    await expect.poll(() => figure('latency-network'), { timeout: 10_000 }).toMatch(/^\d+ ms$/);
    await expect.poll(() => figure('latency-drawing'), { timeout: 10_000 }).toMatch(/^\d+ ms$/);
    // On loopback, well under a second either way.
    expect(Number.parseInt(await figure('latency-drawing'), 10)).toBeLessThan(1000);
  });

  it('an arrow and a text label land at the same normalised positions on theatre and the phone', async () => {
    const { mentor, theatre, observer } = await openLiveRoom(stack, { theatre: { viewport: { width: 1920, height: 1080 } } });
    await arrowAndLabel(mentor);
    const arrowAtMentor = await waitForColour(mentor, LIVE, LIME, (b) => !!b && b.maxX > 0.74);
    const textAtMentor = await waitForColour(mentor, LIVE, YELLOW, (b) => !!b && b.count > 50);
    expect(close(arrowAtMentor!.minX, 0.5)).toBe(true);
    expect(close(arrowAtMentor!.maxX, 0.75)).toBe(true);
    for (const page of [theatre, observer]) {
      sameBox(await waitForColour(page, LIVE, LIME, (b) => !!b && b.maxX > 0.74), arrowAtMentor, 'arrow');
      sameBox(await waitForColour(page, LIVE, YELLOW, (b) => !!b && b.count > 20), textAtMentor, 'text');
    }
    await theatre.screenshot({ path: join(SCREENSHOTS, 'theatre.png') });
    await mentor.screenshot({ path: join(SCREENSHOTS, 'mentor.png') });
    await observer.screenshot({ path: join(SCREENSHOTS, 'observer-phone.png') });
  });

  it('the text field opens where the mentor clicked', async () => {
    const { mentor } = await openLiveRoom(stack, { observer: false });
    await tool(mentor, 'Text');
    const [x, y] = await at(mentor, [0.7, 0.6]);
    await mentor.mouse.click(x, y);
    const field = (await mentor.getByRole('textbox', { name: 'Text' }).boundingBox())!;
    // The field sits at the point (or as near as the picture's edge allows), not at the top centre.
    expect(Math.abs(field.y - y)).toBeLessThan(80);
    expect(field.x).toBeGreaterThan(x - field.width);
    expect(field.x).toBeLessThan(x + 10);
  });

  it('two mentors draw at once, each in their own colour', async () => {
    const room = await openLiveRoom(stack, { invite: [{ name: 'Dr. Second Mentor', role: 'mentor' }] });
    const { mentor, theatre, observer } = room;
    const second = await room.openMentor(room.people.others[0]!);
    await tool(second, 'Pen', 4);
    await tool(mentor, 'Pen', 1);

    const [a1, b1] = [await at(mentor, [0.3, 0.5]), await at(second, [0.3, 0.65])];
    await mentor.mouse.move(...a1);
    await second.mouse.move(...b1);
    await mentor.mouse.down();
    await second.mouse.down();
    for (let i = 1; i <= 8; i++) {
      const [ax, ay] = await at(mentor, [0.3 + i * 0.02, 0.5]);
      const [bx, by] = await at(second, [0.3 + i * 0.02, 0.65]);
      await Promise.all([mentor.mouse.move(ax, ay), second.mouse.move(bx, by)]);
    }
    await Promise.all([mentor.mouse.up(), second.mouse.up()]);

    for (const page of [theatre, observer]) {
      const blue = await waitForColour(page, LIVE, BLUE, (b) => !!b && b.maxX > 0.45);
      // The stroke's lower edge (its name tag sits above it).
      expect(close(blue!.maxY, 0.65)).toBe(true);
      expect(close(blue!.minX, 0.3)).toBe(true);
      await waitForColour(page, LIVE, CYAN, (b) => !!b && b.maxY > 0.49);
    }
    await theatre.screenshot({ path: join(SCREENSHOTS, 'theatre-two-mentors.png') });
    // The same mentor view on a phone held upright: the picture, the tools, the people.
    await second.setViewportSize({ width: 390, height: 844 });
    await second.getByRole('toolbar').waitFor();
    await second.screenshot({ path: join(SCREENSHOTS, 'mentor-phone.png') });
  });

  it('undo takes back the mentor’s last annotation for everyone, and redo brings it back', async () => {
    const { mentor, theatre, observer } = await openLiveRoom(stack);
    await arrowAndLabel(mentor);
    for (const page of [theatre, observer]) await waitForColour(page, LIVE, YELLOW, (b) => b !== null && b.count > 20);
    await mentor.getByRole('button', { name: 'Undo' }).click();
    for (const page of [theatre, observer]) await waitForColour(page, LIVE, YELLOW, (b) => b === null);
    // The arrow drawn before it stays.
    await waitForColour(theatre, LIVE, LIME, (b) => !!b);
    await mentor.getByRole('button', { name: 'Redo' }).click();
    for (const page of [theatre, observer]) await waitForColour(page, LIVE, YELLOW, (b) => b !== null && b.count > 20);
  });

  it('an observer who joins late sees the whole overlay at once', async () => {
    const room = await openLiveRoom(stack, { observer: false, invite: [{ name: 'Late Trainee', role: 'observer' }] });
    const { mentor, theatre } = room;
    await tool(mentor, 'Pen', 1);
    await drag(mentor, [0.2, 0.3], [0.6, 0.3]);
    await arrowAndLabel(mentor);
    // Theatre's display and this laptop both show name tags at full size, so theatre is the reference.
    const expected = await waitForColour(theatre, LIVE, LIME, (b) => !!b && b.maxX > 0.74);
    await waitForColour(theatre, LIVE, YELLOW, (b) => !!b && b.count > 20);
    const started = Date.now();
    const late = await room.openWatch(room.people.others[0]!, { viewport: { width: 1280, height: 800 } });
    const joinedAt = Date.now();
    sameBox(await waitForColour(late, LIVE, LIME, (b) => !!b && b.maxX > 0.74, 5000), expected, 'late arrow');
    await waitForColour(late, LIVE, CYAN, (b) => !!b);
    await waitForColour(late, LIVE, YELLOW, (b) => !!b);
    console.log(`late joiner: picture after ${joinedAt - started} ms, full overlay ${Date.now() - joinedAt} ms later`);
  });

  it('freeze-frame: observers see the still with the drawings; theatre keeps its live picture dominant and shows the still beside it', async () => {
    const { mentor, theatre, observer } = await openLiveRoom(stack);
    await arrowAndLabel(mentor);
    await waitForColour(theatre, LIVE, LIME, (b) => !!b && b.maxX > 0.74);
    await mentor.getByRole('button', { name: 'Freeze frame' }).click();
    await observer.locator(STILL).waitFor({ timeout: 10_000 });
    await theatre.locator(STILL).waitFor({ timeout: 10_000 });
    // Theatre's live picture is still there, playing, and stays the larger of the two.
    await waitForPicture(theatre, LIVE);
    const live = (await theatre.locator(LIVE).boundingBox())!;
    const still = (await theatre.locator(STILL).boundingBox())!;
    expect(live.width * live.height).toBeGreaterThan(1.5 * still.width * still.height);
    await waitForColour(observer, STILL, LIME, (b) => !!b && b.maxX > 0.74);
    await waitForColour(theatre, STILL, LIME, (b) => !!b && b.maxX > 0.74);
    await theatre.screenshot({ path: join(SCREENSHOTS, 'theatre-freeze.png') });
    await observer.screenshot({ path: join(SCREENSHOTS, 'observer-freeze.png') });
    await mentor.screenshot({ path: join(SCREENSHOTS, 'mentor-freeze.png') });

    await mentor.getByRole('button', { name: 'Back to live' }).click();
    await theatre.locator(STILL).waitFor({ state: 'detached', timeout: 10_000 });
    await observer.locator(STILL).waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('marks drawn on a freeze-frame belong to the still: they leave the live picture with it', async () => {
    const { mentor, theatre, observer } = await openLiveRoom(stack);
    // A mark on the live picture before the freeze stays on the live picture.
    await tool(mentor, 'Pen', 1);
    await drag(mentor, [0.1, 0.1], [0.3, 0.1]);
    await waitForColour(theatre, LIVE, CYAN, (b) => !!b);
    await mentor.getByRole('button', { name: 'Freeze frame' }).click();
    await theatre.locator(STILL).waitFor({ timeout: 10_000 });
    // The mentor draws on the still (the main picture on the mentor's page while frozen).
    await tool(mentor, 'Ellipse', 4);
    await drag(mentor, [0.4, 0.4], [0.8, 0.8], 12, true, STILL);
    for (const page of [theatre, observer]) await waitForColour(page, STILL, BLUE, (b) => !!b && b.maxX > 0.78);
    // While frozen, the live picture on theatre does not show the still's marks.
    await expect(colourBox(theatre, LIVE, BLUE)).resolves.toBeNull();
    await mentor.getByRole('button', { name: 'Back to live' }).click();
    await theatre.locator(STILL).waitFor({ state: 'detached', timeout: 10_000 });
    // Back to live: the still's ellipse is gone from every live picture, the live stroke stays.
    for (const page of [theatre, observer, mentor]) {
      await waitForColour(page, LIVE, BLUE, (b) => b === null);
      await waitForColour(page, LIVE, CYAN, (b) => !!b);
    }
  });

  it('the laser pointer shows where the mentor points, then fades away', async () => {
    const { mentor, observer } = await openLiveRoom(stack);
    const LASER: Rgb = [0x00, 0xff, 0x9c];
    await tool(mentor, 'Laser pointer');
    await drag(mentor, [0.8, 0.2], [0.85, 0.25], 6, false);
    const seen = await waitForColour(observer, LIVE, LASER, (b) => !!b && b.maxX > 0.84);
    // The pointer head is a fixed-size dot, bigger than 1% of a phone-sized picture.
    expect(close(seen!.maxX, 0.85, 0.03)).toBe(true);
    await mentor.mouse.up();
    await waitForColour(observer, LIVE, LASER, (b) => b === null);
  });

  it('fade mode: a drawing disappears by itself after a few seconds; persist mode keeps it', async () => {
    const { mentor, theatre } = await openLiveRoom(stack, { observer: false });
    await tool(mentor, 'Pen', 5);
    await tool(mentor, 'Fade');
    await drag(mentor, [0.6, 0.9], [0.9, 0.9]);
    await waitForColour(theatre, LIVE, WHITE, (b) => !!b && b.minY > 0.85);
    await waitForColour(theatre, LIVE, WHITE, (b) => b === null, 12_000);
    await tool(mentor, 'Keep');
    await drag(mentor, [0.6, 0.8], [0.9, 0.8]);
    await waitForColour(theatre, LIVE, WHITE, (b) => !!b && b.minY > 0.75);
    // Still there well after a faded one would have gone (fading takes 5 s).
    await theatre.waitForTimeout(6500);
    await waitForColour(theatre, LIVE, WHITE, (b) => !!b && b.minY > 0.75, 1000);
  });

  it('the eraser removes the one annotation it touches, for everyone', async () => {
    const { mentor, theatre, observer } = await openLiveRoom(stack);
    await tool(mentor, 'Pen', 1);
    await drag(mentor, [0.2, 0.3], [0.6, 0.3]);
    await arrowAndLabel(mentor);
    await waitForColour(theatre, LIVE, LIME, (b) => !!b && b.maxX > 0.74);
    await tool(mentor, 'Eraser');
    const [x, y] = await at(mentor, [0.625, 0.625]);
    await mentor.mouse.click(x, y);
    for (const page of [theatre, observer]) await waitForColour(page, LIVE, LIME, (b) => b === null);
    // The stroke and the label are still there.
    await waitForColour(theatre, LIVE, CYAN, (b) => !!b);
    await waitForColour(theatre, LIVE, YELLOW, (b) => !!b);
  });

  it('a tap of the pen leaves a dot where it touched, on every screen', async () => {
    const { mentor, theatre, observer } = await openLiveRoom(stack);
    await tool(mentor, 'Pen', 1);
    const [x, y] = await at(mentor, [0.7, 0.6]);
    await mentor.mouse.click(x, y);
    for (const page of [theatre, observer, mentor]) {
      const dot = await waitForColour(page, LIVE, CYAN, (b) => b !== null);
      expect(close((dot!.minX + dot!.maxX) / 2, 0.7)).toBe(true);
      expect(close((dot!.minY + dot!.maxY) / 2, 0.6)).toBe(true);
    }
  });

  it('clear all removes every drawing for everyone', async () => {
    const { mentor, theatre, observer } = await openLiveRoom(stack);
    await tool(mentor, 'Pen', 1);
    await drag(mentor, [0.2, 0.3], [0.6, 0.3]);
    await arrowAndLabel(mentor);
    for (const colour of [CYAN, LIME, YELLOW]) await waitForColour(theatre, LIVE, colour, (b) => !!b);
    await mentor.getByRole('button', { name: 'Clear all' }).click();
    for (const page of [theatre, observer, mentor]) {
      for (const colour of [CYAN, LIME, YELLOW]) await waitForColour(page, LIVE, colour, (b) => b === null);
    }
  });
});
