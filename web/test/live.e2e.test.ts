/**
 * The live telementoring views end to end: real livekit-server, api and web, Chromium with a
 * fake camera playing a Y4M made by ffmpeg. Assertions read the pixels people see.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Room, dispose } from '@livekit/rtc-node';
import { makeTissueVideo } from '@loupe/stack';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';
import { colourBox, waitForColour, type Box, type Rgb } from './pixels.ts';
import { BLUE, CYAN, LIME, LIVE, STILL, YELLOW, at, drag, openPage, waitForPicture, type Viewport } from './live-pages.ts';

const run = promisify(execFile);
let stack: BrowserStack;
let dir: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-live-'));
  stack = await startBrowserStack({ fakeVideo: makeTissueVideo(join(dir, 'theatre.y4m')) });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await stack?.stop();
  await dispose();
  rmSync(dir, { recursive: true, force: true });
});

const open = (who: { email: string; password: string }, url: string, viewport: Viewport, mobile = false) =>
  openPage(stack, contexts, who, url, viewport, { mobile });

const close = (a: number, b: number, tolerance = 0.01) => Math.abs(a - b) <= tolerance;
function sameBox(a: Box | null, b: Box | null, label: string) {
  expect(a, `${label}: first box`).not.toBeNull();
  expect(b, `${label}: second box`).not.toBeNull();
  for (const k of ['minX', 'maxX', 'minY', 'maxY'] as const) expect(Math.abs(a![k] - b![k]), `${label} ${k}`).toBeLessThanOrEqual(0.01);
}

describe('live telementoring in Chromium', () => {
  let theatre: Page;
  let mentor: Page;
  let observer: Page;
  let sessionId: string;
  let people: Awaited<ReturnType<BrowserStack['account']>>[];

  it('theatre sends its capture device; mentor and a phone observer see it', async () => {
    const host = await stack.account('admin', 'Dr. Host');
    people = [
      await stack.account('surgeon', 'Dr. Chen Hao'),
      await stack.account('mentor', 'Prof. Zhang Min'),
      await stack.account('trainee', 'Li Na'),
      await stack.account('mentor', 'Dr. Second Mentor'),
      await stack.account('trainee', 'Late Trainee'),
    ];
    const [surgeon, mentor1, trainee, mentor2, late] = people as [typeof people[0], typeof people[0], typeof people[0], typeof people[0], typeof people[0]];
    const session = await stack.liveSession(host, [
      { email: surgeon.email, role: 'theatre' },
      { email: mentor1.email, role: 'mentor' },
      { email: trainee.email, role: 'observer' },
      { email: mentor2.email, role: 'mentor' },
      { email: late.email, role: 'observer' },
    ]);
    sessionId = session.id;

    theatre = await open(surgeon, `/sessions/${sessionId}/theatre`, { width: 1920, height: 1080 });
    await theatre.getByRole('button', { name: /Capture device/ }).first().click();
    await waitForPicture(theatre);

    mentor = await open(mentor1, `/sessions/${sessionId}/mentor`, { width: 1280, height: 720 });
    await mentor.getByRole('toolbar').waitFor();
    await waitForPicture(mentor);

    observer = await open(trainee, `/sessions/${sessionId}/watch`, { width: 390, height: 844 }, true);
    await waitForPicture(observer);
    await expect(observer.getByRole('toolbar').count()).resolves.toBe(0);

    // Each view knows who is here, in which role.
    await mentor.locator(`li[data-identity="${surgeon.id}"]`).waitFor();
    await expect(mentor.locator(`li[data-identity="${surgeon.id}"]`).innerText()).resolves.toMatch(/Dr\. Chen Hao[\s\S]*Theatre/);
  });

  it('a stroke appears at the same place of the picture on every screen, while it is drawn and after', async () => {
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

  it('an arrow and a text label land at the same normalised positions on theatre and the phone', async () => {
    await mentor.getByRole('radio', { name: 'Arrow' }).click();
    await mentor.getByRole('radio', { name: 'Colour 2' }).click();
    await drag(mentor, [0.5, 0.55], [0.75, 0.7]);
    await mentor.getByRole('radio', { name: 'Text' }).click();
    await mentor.getByRole('radio', { name: 'Colour 3' }).click();
    const [tx, ty] = await at(mentor, [0.12, 0.82]);
    await mentor.mouse.click(tx, ty);
    await mentor.getByRole('textbox', { name: 'Text' }).fill('3 o’clock: tear');
    await mentor.keyboard.press('Enter');

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

  it('two mentors draw at once, each in their own colour', async () => {
    const second = await open(people[3]!, `/sessions/${sessionId}/mentor`, { width: 1280, height: 720 });
    await second.getByRole('toolbar').waitFor();
    await waitForPicture(second);
    await second.getByRole('radio', { name: 'Colour 4' }).click();
    await mentor.getByRole('radio', { name: 'Pen' }).click();
    await mentor.getByRole('radio', { name: 'Colour 1' }).click();

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

  it('undo removes the mentor’s last annotation for everyone', async () => {
    await mentor.getByRole('button', { name: 'Undo' }).click();
    await mentor.getByRole('button', { name: 'Undo' }).click();
    // The second undo took the text label back.
    for (const page of [theatre, observer]) await waitForColour(page, LIVE, YELLOW, (b) => b === null);
    await mentor.getByRole('button', { name: 'Redo' }).click();
    for (const page of [theatre, observer]) await waitForColour(page, LIVE, YELLOW, (b) => b !== null && b.count > 20);
  });

  it('an observer who joins late sees the whole overlay at once', async () => {
    // Theatre's display and this laptop both show name tags at full size (a phone shows them
    // at a minimum readable size), so theatre is the reference here.
    const expected = await colourBox(theatre, LIVE, LIME);
    const started = Date.now();
    const late = await open(people[4]!, `/sessions/${sessionId}/watch`, { width: 1280, height: 800 });
    await waitForPicture(late);
    const joinedAt = Date.now();
    sameBox(await waitForColour(late, LIVE, LIME, (b) => !!b && b.maxX > 0.74, 5000), expected, 'late arrow');
    await waitForColour(late, LIVE, CYAN, (b) => !!b);
    await waitForColour(late, LIVE, BLUE, (b) => !!b);
    await waitForColour(late, LIVE, YELLOW, (b) => !!b);
    console.log(`late joiner: picture after ${joinedAt - started} ms, full overlay ${Date.now() - joinedAt} ms later`);
  });

  it('freeze-frame: observers see the still with the drawings; theatre keeps its live picture and shows the still beside it', async () => {
    await mentor.getByRole('button', { name: 'Freeze frame' }).click();
    await observer.locator(STILL).waitFor({ timeout: 10_000 });
    await theatre.locator(STILL).waitFor({ timeout: 10_000 });
    // Theatre's live picture is still there, playing.
    await waitForPicture(theatre, LIVE);
    await waitForColour(observer, STILL, LIME, (b) => !!b && b.maxX > 0.74);
    await waitForColour(theatre, STILL, LIME, (b) => !!b && b.maxX > 0.74);
    await theatre.screenshot({ path: join(SCREENSHOTS, 'theatre-freeze.png') });
    await observer.screenshot({ path: join(SCREENSHOTS, 'observer-freeze.png') });

    await mentor.getByRole('button', { name: 'Back to live' }).click();
    await theatre.locator(STILL).waitFor({ state: 'detached', timeout: 10_000 });
    await observer.locator(STILL).waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('the laser pointer shows where the mentor points, then fades away', async () => {
    const LASER: Rgb = [0x00, 0xff, 0x9c];
    await mentor.getByRole('radio', { name: 'Laser pointer' }).click();
    await drag(mentor, [0.8, 0.2], [0.85, 0.25], 6, false);
    const seen = await waitForColour(observer, LIVE, LASER, (b) => !!b && b.maxX > 0.84);
    // The pointer head is a fixed-size dot, bigger than 1% of a phone-sized picture.
    expect(close(seen!.maxX, 0.85, 0.03)).toBe(true);
    await mentor.mouse.up();
    await waitForColour(observer, LIVE, LASER, (b) => b === null);
  });

  it('fade mode: a drawing disappears by itself after a few seconds; persist mode keeps it', async () => {
    await mentor.getByRole('radio', { name: 'Pen' }).click();
    await mentor.getByRole('radio', { name: 'Colour 5' }).click();
    await mentor.getByRole('radio', { name: 'Fade' }).click();
    await drag(mentor, [0.6, 0.9], [0.9, 0.9]);
    const WHITE: Rgb = [255, 255, 255];
    await waitForColour(theatre, LIVE, WHITE, (b) => !!b && b.minY > 0.85);
    await waitForColour(theatre, LIVE, WHITE, (b) => b === null, 12_000);
    await mentor.getByRole('radio', { name: 'Keep' }).click();
  });

  it('the eraser removes the one annotation it touches, for everyone', async () => {
    await mentor.getByRole('radio', { name: 'Eraser' }).click();
    const [x, y] = await at(mentor, [0.625, 0.625]);
    await mentor.mouse.click(x, y);
    for (const page of [theatre, observer]) await waitForColour(page, LIVE, LIME, (b) => b === null);
    // The stroke and the label are still there.
    await waitForColour(theatre, LIVE, CYAN, (b) => !!b);
    await waitForColour(theatre, LIVE, YELLOW, (b) => !!b);
  });

  it('a second OR monitor in display-only mode shows the picture and overlay, publishes nothing, and does not disturb theatre', async () => {
    const display = await open(people[0]!, `/sessions/${sessionId}/theatre`, { width: 1280, height: 720 });
    await display.getByRole('button', { name: 'Display only (second monitor)' }).click();
    await waitForPicture(display);
    await waitForColour(display, LIVE, CYAN, (b) => !!b);
    await expect(display.getByRole('button', { name: /microphone/ }).count()).resolves.toBe(0);
    // Theatre is still connected and sending.
    await expect(theatre.getByText('Change source').isVisible()).resolves.toBe(true);
    await waitForPicture(mentor);
    // livekit-server announces participants who publish nothing in batches, up to 3 s late.
    await mentor.locator('li', { hasText: 'display only' }).waitFor({ timeout: 10_000 });
  });

  it('an observer cannot draw', async () => {
    const before = await colourBox(theatre, LIVE, CYAN);
    const stage = observer.locator(LIVE);
    await expect(stage.getAttribute('role')).resolves.toBe('img');
    const box = (await stage.boundingBox())!;
    await observer.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.5);
    await observer.mouse.down();
    await observer.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.5, { steps: 10 });
    await observer.mouse.up();
    sameBox(await colourBox(theatre, LIVE, CYAN), before, 'nothing new on theatre');
  });

  it('a forged, malformed or oversized packet is dropped and counted; the pages keep working', async () => {
    // A second theatre PC (theatre may send data: it serves snapshots) tries to draw as the mentor.
    const rogue = await stack.account('surgeon', 'Rogue PC');
    await stack.invite(sessionId, rogue.email, 'theatre');
    const { token, url } = await stack.tokenFor(sessionId, rogue);
    const room = new Room();
    await room.connect(url, token, { autoSubscribe: false, dynacast: false });
    try {
      const mentorId = people[1]!.id;
      const forged = {
        v: 1, id: 'forged1', author: mentorId, seq: 1, t: Date.now(), frame: null,
        kind: 'shape', shape: 'ellipse', from: [0.05, 0.05], to: [0.95, 0.95], style: { color: '#448aff', width: 'thick' }, fade: false,
      };
      const asTheatre = { ...forged, id: 'forged2', author: rogue.id };
      const send = (data: Uint8Array) => room.localParticipant!.publishData(data, { reliable: true, topic: 'loupe.ops' });
      const before = Number(await observer.locator('[data-dropped]').first().getAttribute('data-dropped'));
      await send(new TextEncoder().encode(JSON.stringify(forged)));
      await send(new TextEncoder().encode(JSON.stringify(asTheatre)));
      await send(new TextEncoder().encode('{"v":1,"kind":'));
      await send(new TextEncoder().encode(JSON.stringify({ ...forged, v: 99 })));
      await send(new Uint8Array(12 * 1024).fill(0x7b));
      await observer.waitForFunction(
        (n) => Number(document.querySelector('[data-dropped]')?.getAttribute('data-dropped')) >= n,
        before + 5,
        { timeout: 10_000 },
      );
      const reasons = await observer.locator('[data-dropped]').first().getAttribute('data-drop-reasons');
      expect(reasons).toMatch(/not_author/);
      expect(reasons).toMatch(/not_allowed/);
      expect(reasons).toMatch(/malformed/);
      expect(reasons).toMatch(/unknown_version/);
      expect(reasons).toMatch(/oversized/);
      // Nothing was drawn, and the mentor can still draw for everyone.
      await expect(colourBox(theatre, LIVE, BLUE).then((b) => b && b.maxX > 0.9)).resolves.toBeFalsy();
      await mentor.getByRole('radio', { name: 'Pen' }).click();
      await mentor.getByRole('radio', { name: 'Colour 5' }).click();
      await drag(mentor, [0.1, 0.9], [0.3, 0.9]);
      await waitForColour(observer, LIVE, [255, 255, 255], (b) => !!b && close(b.maxX, 0.3));
    } finally {
      await room.disconnect();
    }
  });

  it('a flood of 10 000 ops a second from one mentor is cut to the sender’s rate and counted; the real mentor still draws for everyone', async () => {
    const flooder = await stack.account('mentor', 'Flooding Mentor');
    await stack.invite(sessionId, flooder.email, 'mentor');
    const { token, url } = await stack.tokenFor(sessionId, flooder);
    const room = new Room();
    await room.connect(url, token, { autoSubscribe: false, dynacast: false });
    try {
      // Valid ops that change nothing anyone can see (erasing drawings that do not exist), so
      // only the rate limit stands between them and the pages.
      const op = (i: number) => ({ v: 1, id: `flood${i}`, author: flooder.id, seq: i, t: Date.now(), frame: null, kind: 'erase', target: { author: flooder.id, id: `none${i}` } });
      const limited = async () => Number(/rate_limited:(\d+)/.exec((await theatre.locator('[data-dropped]').first().getAttribute('data-drop-reasons')) ?? '')?.[1] ?? 0);
      const before = await limited();
      const started = Date.now();
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 10_000; i++) {
        sends.push(room.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(op(i))), { reliable: true, topic: 'loupe.ops' }));
        if (i % 1000 === 999) await new Promise((r) => setTimeout(r, 100));
      }
      await Promise.all(sends);
      const seconds = (Date.now() - started) / 1000;
      // The limit lets a burst of 480 through, then 240 a second: everything beyond is dropped.
      const mustDrop = Math.floor(10_000 - 480 - 240 * (seconds + 2));
      await theatre.waitForFunction(
        (n) => Number(/rate_limited:(\d+)/.exec(document.querySelector('[data-dropped]')?.getAttribute('data-drop-reasons') ?? '')?.[1] ?? 0) >= n,
        before + mustDrop,
        { timeout: 60_000 },
      );
      expect(await limited()).toBeLessThanOrEqual(before + 10_000);
      // Still white from the test before; the earlier white line ends at x = 0.3.
      await drag(mentor, [0.5, 0.8], [0.9, 0.8]);
      for (const page of [theatre, observer]) await waitForColour(page, LIVE, [255, 255, 255], (b) => !!b && close(b.maxX, 0.9));
    } finally {
      await room.disconnect();
    }
  });

  it('theatre records with consent confirmed; everyone sees REC; a mentor’s bookmark becomes part of the recording', async () => {
    await theatre.getByRole('button', { name: '● Record' }).click();
    const start = theatre.getByRole('button', { name: '● Start recording' });
    await expect(start.isDisabled()).resolves.toBe(true);
    await theatre.getByLabel('Patient consent to recording is on file.').check();
    await expect(start.isDisabled()).resolves.toBe(true);
    await theatre.getByLabel('No patient identifiers (name, record number, date of birth) are in view.').check();
    await start.click();
    // REC shows once the recorder is really capturing, on every screen.
    for (const page of [theatre, mentor, observer]) await page.locator('[data-testid="rec"][data-state="recording"]').waitFor({ timeout: 15_000 });
    await expect(observer.getByTestId('rec').innerText()).resolves.toBe('REC');
    await theatre.screenshot({ path: join(SCREENSHOTS, 'theatre-recording.png') });

    await mentor.getByRole('button', { name: '⚑ Bookmark' }).click();
    await mentor.getByRole('textbox', { name: 'Bookmark' }).fill('Critical view of safety');
    await mentor.keyboard.press('Enter');
    await mentor.getByText('Bookmark added: Critical view of safety').waitFor();

    await theatre.getByRole('button', { name: /Pause recording/ }).click();
    await observer.getByText('REC paused').waitFor();
    await theatre.getByRole('button', { name: /Resume recording/ }).click();
    await observer.getByText('REC paused').waitFor({ state: 'detached' });
    await theatre.getByRole('button', { name: /Stop recording/ }).click();
    for (const page of [theatre, mentor, observer]) await page.getByTestId('rec').waitFor({ state: 'detached', timeout: 10_000 });

    // The recorder finishes the case; its log holds the bookmark.
    const recording = await stack.recordingOf(sessionId, people[0]!);
    expect(recording.status).toBe('ready');
    const events = (await readFile(join(stack.mediaDir, 'recordings', recording.id, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.some((e) => e.type === 'op' && e.op.kind === 'bookmark' && e.op.title === 'Critical view of safety')).toBe(true);
    expect(events.filter((e) => e.type === 'pause' || e.type === 'resume').map((e) => e.type)).toEqual(['pause', 'resume']);
  });

  it('the recorded case plays in the library with the overlay that was live, and jumps to a chapter', async () => {
    await mentor.goto(`${stack.web.url}/cases`);
    const card = mentor.locator('a.case', { hasText: 'Laparoscopic cholecystectomy' });
    await card.waitFor();
    await mentor.screenshot({ path: join(SCREENSHOTS, 'library.png') });
    await card.click();
    await mentor.getByRole('button', { name: /Critical view of safety/ }).click();
    const PLAYER = '[data-testid="case-player"] [data-picture-rect]';
    await mentor.waitForFunction(
      (sel) => {
        const v = document.querySelector(`${sel} video`) as HTMLVideoElement | null;
        return !!v && v.readyState >= 2 && v.currentTime > 0;
      },
      PLAYER,
      { timeout: 20_000 },
    );
    // What was on the picture when recording began (the snapshot) is on the replayed picture.
    await waitForColour(mentor, PLAYER, CYAN, (b) => !!b);
    await waitForColour(mentor, PLAYER, YELLOW, (b) => !!b);
    await mentor.screenshot({ path: join(SCREENSHOTS, 'case-player.png') });
    // Hiding the overlay hides the drawings.
    await mentor.getByLabel('Show the mentor’s drawings').uncheck();
    await waitForColour(mentor, PLAYER, CYAN, (b) => b === null);

    // The mentor curates the case; text that looks like a patient identifier is refused.
    const description = mentor.getByLabel('Description');
    await description.fill('Mrs. Wang, dense adhesions around the cystic duct');
    await mentor.getByText(/may contain a patient identifier/).waitFor();
    await expect(mentor.getByRole('button', { name: 'Save' }).isDisabled()).resolves.toBe(true);
    await description.fill('Dense adhesions around the cystic duct');
    await mentor.getByRole('button', { name: 'Save' }).click();
    await mentor.getByText('Saved.').waitFor();
    await mentor.goto(`${stack.web.url}/cases?q=adhesions`);
    await mentor.locator('a.case', { hasText: 'Laparoscopic cholecystectomy' }).waitFor();
    await mentor.goBack();
    await mentor.goBack();
    await mentor.goBack();
    await mentor.getByRole('toolbar').waitFor();
  });

  it('clear all removes every drawing for everyone', async () => {
    await mentor.getByRole('button', { name: 'Clear all' }).click();
    for (const page of [theatre, observer, mentor]) {
      for (const colour of [CYAN, LIME, YELLOW, BLUE, [255, 255, 255] as Rgb]) await waitForColour(page, LIVE, colour, (b) => b === null);
    }
  });

  it('a tap of the pen leaves a dot where it touched, on every screen', async () => {
    await mentor.getByRole('radio', { name: 'Pen' }).click();
    await mentor.getByRole('radio', { name: 'Colour 1' }).click();
    const [x, y] = await at(mentor, [0.7, 0.6]);
    await mentor.mouse.click(x, y);
    for (const page of [theatre, observer, mentor]) {
      const dot = await waitForColour(page, LIVE, CYAN, (b) => b !== null);
      expect(close((dot!.minX + dot!.maxX) / 2, 0.7)).toBe(true);
      expect(close((dot!.minY + dot!.maxY) / 2, 0.6)).toBe(true);
    }
  });

  it('the recorder’s encoder dies mid-recording: REC goes off on every screen and each says why', async () => {
    await theatre.getByRole('button', { name: '● Record' }).click();
    await theatre.getByLabel('Patient consent to recording is on file.').check();
    await theatre.getByLabel('No patient identifiers (name, record number, date of birth) are in view.').check();
    await theatre.getByRole('button', { name: '● Start recording' }).click();
    for (const page of [theatre, mentor, observer]) await page.locator('[data-testid="rec"][data-state="recording"]').waitFor({ timeout: 15_000 });
    // The ffmpeg writing this recording's segments (the only one running) dies.
    await run('pkill', ['-KILL', '-f', join(stack.mediaDir, 'recordings')]);
    for (const page of [theatre, mentor, observer]) {
      await page.getByTestId('rec').waitFor({ state: 'detached', timeout: 10_000 });
      await expect(page.getByTestId('recording-failure').innerText()).resolves.toMatch(
        /^Not recording\. Recording stopped: the video encoder \(ffmpeg\) was stopped by SIGKILL\./,
      );
    }
    await theatre.screenshot({ path: join(SCREENSHOTS, 'theatre-recording-failed.png') });
    await theatre.getByRole('button', { name: 'Dismiss' }).click();
    await theatre.getByTestId('recording-failure').waitFor({ state: 'detached' });
    expect((await stack.recordingOf(sessionId, people[0]!)).status).toBe('failed');

    // Tried again, it fails the same way: the same words show again, though dismissed before.
    await theatre.getByRole('button', { name: '● Record' }).click();
    await theatre.getByLabel('Patient consent to recording is on file.').check();
    await theatre.getByLabel('No patient identifiers (name, record number, date of birth) are in view.').check();
    await theatre.getByRole('button', { name: '● Start recording' }).click();
    await theatre.locator('[data-testid="rec"][data-state="recording"]').waitFor({ timeout: 15_000 });
    await run('pkill', ['-KILL', '-f', join(stack.mediaDir, 'recordings')]);
    await theatre.getByTestId('recording-failure').waitFor({ timeout: 10_000 });
  });

  it('theatre, mentors, observers, the display and the case player worked within their Content-Security-Policy', () => {
    expect(stack.policyViolations).toEqual([]);
  });
});
