/**
 * Every page at the screen sizes people use — a phone upright and on its side, an OR PC's
 * 1024×768 and 1280×800, a laptop, a wide monitor — in English and Chinese. Each size fails
 * on a control cut off at the window's edge or lying on another, or a page that scrolls
 * sideways, and leaves a screenshot in test-results/screenshots/matrix/ to look at.
 * Live pages are opened once and resized through the sizes, as a rotated phone would be.
 */
import { ANNOTATION_VERSION } from '@loupe/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { Room, dispose } from '@livekit/rtc-node';
import { makeTissueVideo } from '@loupe/stack';
import { unwrap } from '../src/lib/api/client.ts';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';
import { colourBox, waitForColour } from './pixels.ts';
import { layoutProblems, settled } from './layout-check.ts';
import { LIME, LIVE, at, drag, waitForPicture } from './live-pages.ts';

const SIZES = [
  { width: 412, height: 915 },
  { width: 915, height: 412 },
  { width: 1024, height: 768 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
  { width: 2560, height: 1080 },
] as const;
const LANGS = ['en', 'zh'] as const;
type Lang = (typeof LANGS)[number];
type Person = { id: string; email: string; password: string };
const MATRIX = join(SCREENSHOTS, 'matrix');

let stack: BrowserStack;
let dir: string;
let display: Room | null = null;
const contexts: BrowserContext[] = [];
/** What the pages threw and did not catch, or logged as errors. */
const pageErrors: string[] = [];
let admin: Person;
let surgeon: Person;
let mentor: Person;
let trainee: Person;
/** The live session the mentor and watch pages join; theatre sends a picture in it throughout. */
let liveId: string;
/** Theatre's own page in that session, sending its capture device. */
let theatreOfLive: Page;
let caseId: string;

const CONSENT = { consentOnFile: true, noIdentifiersInView: true } as const;
/** The admin starts or stops recording session `id`, through the api as the web calls it. */
async function recording(id: string, action: 'start' | 'stop') {
  const current = (await stack.asPerson(admin)).sessions[':id'].recording;
  if (action === 'start') await unwrap(current.$post({ param: { id }, json: CONSENT }));
  else await unwrap(current.stop.$post({ param: { id } }));
}

/** A page signed in as `who` (or nobody) in `lang`, chosen as the app's own language switch does. */
async function openIn(lang: Lang, who: Person | null, path: string, viewport: { width: number; height: number } = SIZES[0]): Promise<Page> {
  const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
  const context = who ? await stack.contextFor(who, { viewport, locale }) : await stack.newContext({ viewport, locale });
  contexts.push(context);
  await context.addCookies([{ name: 'loupe_locale', value: lang, url: stack.web.url }]);
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  page.on('pageerror', (err) => void pageErrors.push(`${page.url()}: ${err.message}`));
  page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(`${page.url()}: ${m.text()}`)));
  await page.goto(`${stack.web.url}${path}`);
  return page;
}

/** Resizes `page` through every size: a screenshot of each, and what is wrong with each. */
async function throughSizes(page: Page, name: string, lang: Lang): Promise<string[]> {
  const problems: string[] = [];
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await settled(page);
    await page.screenshot({ path: join(MATRIX, `${name}-${lang}-${size.width}x${size.height}.png`) });
    for (const p of await layoutProblems(page)) problems.push(`${name} ${lang} ${size.width}×${size.height}: ${p}`);
  }
  return problems;
}

/** Records a few seconds of the live session with a bookmark in it, and returns the case. */
async function recordCase(theatre: Page): Promise<string> {
  await recording(liveId, 'start');
  await theatre.locator('[data-testid="rec"][data-state="recording"]').waitFor({ timeout: 20_000 });
  // A mentor's bookmark, sent as the mentor page would: it becomes the case's one chapter.
  const { token, url } = await stack.tokenFor(liveId, mentor);
  const room = new Room();
  await room.connect(url, token, { autoSubscribe: false, dynacast: false });
  const identity = room.localParticipant!.identity;
  // livekit-server announces a participant who publishes nothing up to 3 s late, and the
  // recorder drops data from anyone not announced yet: wait until theatre's list has the mentor.
  await theatre.getByRole('button', { name: /^People \(\d+\)$/ }).click();
  await theatre.locator(`li[data-identity="${identity}"]`).waitFor({ timeout: 10_000 });
  const bookmark = {
    v: ANNOTATION_VERSION,
    id: 'chapter1',
    author: identity,
    seq: 1,
    t: Date.now(),
    frame: null,
    kind: 'bookmark',
    title: 'Critical view of safety',
  };
  await room.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(bookmark)), { reliable: true, topic: 'loupe.ops' });
  // Not a wait for anything: the case is to go on for a while after its chapter, so that the
  // chapter can be played from.
  await theatre.waitForTimeout(2500);
  await room.disconnect();
  await recording(liveId, 'stop');
  expect((await stack.recordingOf(liveId, admin)).status).toBe('ready');
  const list = await unwrap((await stack.asPerson(admin)).cases.$get({ query: {} }));
  return list.cases[0]!.id;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-screens-'));
  stack = await startBrowserStack({ fakeVideo: makeTissueVideo(join(dir, 'theatre.y4m')) });
  await mkdir(MATRIX, { recursive: true });
  admin = await stack.account('admin', 'Dr. Lin Wei');
  surgeon = await stack.account('surgeon', 'Dr. Chen Hao');
  mentor = await stack.account('mentor', 'Prof. Zhang Min');
  trainee = await stack.account('trainee', 'Li Na');
  const session = await stack.liveSession(admin, [
    { email: surgeon.email, role: 'theatre' },
    { email: mentor.email, role: 'mentor' },
    { email: trainee.email, role: 'observer' },
  ]);
  liveId = session.id;
  // A session later in the year, so the dashboard has one to come and one live.
  await unwrap(
    (await stack.asPerson(admin)).sessions.$post({
      json: {
        title: 'Thyroid lobectomy, teaching list',
        procedure: 'Lobectomy',
        specialty: 'Endocrine surgery',
        scheduledAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
    }),
  );

  theatreOfLive = await openIn('en', surgeon, `/sessions/${liveId}/theatre`, { width: 1920, height: 1080 });
  await theatreOfLive
    .getByRole('button', { name: /Capture device/ })
    .first()
    .click();
  await waitForPicture(theatreOfLive);
  caseId = await recordCase(theatreOfLive);
  // A second OR monitor showing the picture: one more row in everyone's list of people.
  const { token, url } = await unwrap((await stack.asPerson(surgeon)).sessions[':id'].token.$post({ param: { id: liveId }, query: { display: 'true' } }));
  display = new Room();
  await display.connect(url, token, { autoSubscribe: false, dynacast: false });
}, 240_000);

// Each test answers for its own pages (the first also for those opened before it): none, at any
// size, may run into its Content-Security-Policy or throw an error.
afterEach(() => {
  expect(stack.policyViolations.splice(0)).toEqual([]);
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await display?.disconnect();
  for (const c of contexts) await c.close().catch(() => undefined);
  await stack?.stop();
  await dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('every page at every screen size, in English and Chinese', () => {
  it.each(LANGS)('the sign-in page (%s)', async (lang) => {
    const page = await openIn(lang, null, '/login');
    // Enabled once the page's script runs.
    await page.locator('form button[type="submit"]:not([disabled])').waitFor();
    expect(await throughSizes(page, 'login', lang)).toEqual([]);
    await page.context().close();
  });

  it.each(LANGS)('the dashboard, a session, the library, a case and the audit log (%s)', async (lang) => {
    const page = await openIn(lang, admin, '/');
    const problems: string[] = [];
    await page.locator('article.session').first().waitFor();
    problems.push(...(await throughSizes(page, 'dashboard', lang)));
    await page.goto(`${stack.web.url}/sessions/${liveId}`);
    problems.push(...(await throughSizes(page, 'session', lang)));
    await page.goto(`${stack.web.url}/cases`);
    await page.locator('a.case').first().waitFor();
    problems.push(...(await throughSizes(page, 'library', lang)));
    await page.goto(`${stack.web.url}/cases/${caseId}`);
    await page.locator('[data-testid="case-player"] video').waitFor();
    problems.push(...(await throughSizes(page, 'case', lang)));
    await page.goto(`${stack.web.url}/admin/audit`);
    await page.locator('tbody tr').first().waitFor();
    problems.push(...(await throughSizes(page, 'audit', lang)));
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it.each(LANGS)('theatre: choosing the picture, then sending it while recording (%s)', async (lang) => {
    const session = await stack.liveSession(admin, [{ email: surgeon.email, role: 'theatre' }]);
    const page = await openIn(lang, surgeon, `/sessions/${session.id}/theatre`);
    const camera = page.getByRole('button', { name: /Capture device|采集设备/ }).first();
    await camera.waitFor();
    // Theatre has not tried to connect while it chooses: nothing says it is disconnected.
    await expect(page.locator('header').innerText()).resolves.not.toMatch(/Disconnected|已断开/);
    const problems = await throughSizes(page, 'theatre-choose', lang);
    await camera.click();
    await waitForPicture(page);
    // Connected is calm, not red like REC: nobody should read it as recording.
    const pill = page.getByTestId('connection');
    await expect(pill.getAttribute('data-state')).resolves.toBe('connected');
    const [r, g, b] = (await pill.evaluate((el) => getComputedStyle(el).color)).match(/\d+/g)!.map(Number) as [number, number, number];
    expect(r < g || r < b, `the connected pill is red (${r}, ${g}, ${b})`).toBe(true);
    await expect(pill.innerText()).resolves.not.toMatch(/●/);
    await recording(session.id, 'start');
    await page.locator('[data-testid="rec"][data-state="recording"]').waitFor({ timeout: 20_000 });
    problems.push(...(await throughSizes(page, 'theatre', lang)));
    // On an OR PC's 1024 px the bookmark waits under More, which opens inside the window.
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.getByRole('button', { name: /^(More|更多)$/ }).click();
    await page.getByRole('button', { name: /⚑/ }).waitFor();
    await settled(page);
    await page.screenshot({ path: join(MATRIX, `theatre-more-${lang}-1024x768.png`) });
    for (const p of await layoutProblems(page)) problems.push(`theatre ${lang} 1024×768, More open: ${p}`);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /⚑/ }).waitFor({ state: 'detached' });
    await recording(session.id, 'stop');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it.each(LANGS)('mentor (%s)', async (lang) => {
    const page = await openIn(lang, mentor, `/sessions/${liveId}/mentor`);
    await page.getByRole('toolbar').waitFor();
    await waitForPicture(page);
    expect(await throughSizes(page, 'mentor', lang)).toEqual([]);
    await page.context().close();
  });

  it.each(LANGS)('watching, as a trainee (%s)', async (lang) => {
    const page = await openIn(lang, trainee, `/sessions/${liveId}/watch`);
    await waitForPicture(page);
    expect(await throughSizes(page, 'watch', lang)).toEqual([]);
    await page.context().close();
  });

  it.each(LANGS)('watching, as the host (%s)', async (lang) => {
    const page = await openIn(lang, admin, `/sessions/${liveId}/watch`);
    await waitForPicture(page);
    expect(await throughSizes(page, 'host', lang)).toEqual([]);
    // The host may speak: a microphone, as a mentor has, beside the picture.
    await expect(
      page
        .getByTestId('side-panel')
        .getByRole('button', { name: /microphone|麦克风/ })
        .isVisible(),
    ).resolves.toBe(true);
    await page.context().close();
  });
});

describe('the phone, the case player and the mentor’s tools, looked at closely', () => {
  it('on a phone the session is named, the picture goes full screen, and on its side the picture takes the width', async () => {
    const page = await openIn('en', trainee, `/sessions/${liveId}/watch`, { width: 412, height: 915 });
    await waitForPicture(page);
    const title = page.locator('header strong');
    await expect(title.isVisible()).resolves.toBe(true);
    await expect(title.innerText()).resolves.toBe('Laparoscopic cholecystectomy');
    expect((await title.boundingBox())!.width).toBeGreaterThan(100);

    await page.getByRole('button', { name: 'Full screen' }).click();
    await page.waitForFunction(() => document.fullscreenElement !== null, undefined, { timeout: 5000 });
    await page.getByRole('button', { name: 'Exit full screen' }).click();
    await page.waitForFunction(() => document.fullscreenElement === null, undefined, { timeout: 5000 });

    await page.setViewportSize({ width: 915, height: 412 });
    await settled(page);
    const panel = page.getByTestId('side-panel');
    await expect(panel.isVisible()).resolves.toBe(false);
    expect((await page.locator(LIVE).boundingBox())!.width).toBeGreaterThan(900);
    // The people are a tap away, over the picture, which keeps its size.
    await page.getByRole('button', { name: /^People \(\d+\)$/ }).click();
    await panel.waitFor();
    await expect(panel.getByText('Theatre · display only').isVisible()).resolves.toBe(true);
    expect((await page.locator(LIVE).boundingBox())!.width).toBeGreaterThan(900);
    await page.screenshot({ path: join(MATRIX, 'watch-en-915x412-people.png') });
    await page.context().close();
  });

  it('a chapter chosen in a case plays from there', async () => {
    const page = await openIn('en', admin, `/cases/${caseId}`, { width: 1280, height: 800 });
    const playing = () =>
      page.waitForFunction(
        () => {
          const v = document.querySelector('[data-testid="case-player"] video') as HTMLVideoElement | null;
          if (!v || v.played.length === 0) return false;
          return v.played.end(v.played.length - 1) - v.played.start(v.played.length - 1) > 0.3;
        },
        undefined,
        { timeout: 10_000 },
      );
    await page.locator('[data-testid="case-player"] video').waitFor();
    await page.getByRole('button', { name: /Critical view of safety/ }).click();
    await playing();
    await page.context().close();
  });

  it('the mentor’s text field opens where they click and stays on a phone’s screen; the bookmark field takes the typing', async () => {
    const page = await openIn('en', mentor, `/sessions/${liveId}/mentor`, { width: 1280, height: 800 });
    await page.getByRole('toolbar').waitFor();
    await waitForPicture(page);
    await page.getByRole('radio', { name: 'Text' }).click();
    const field = page.locator('form', { has: page.getByRole('textbox', { name: 'Text' }) });
    const [x, y] = await at(page, [0.3, 0.6]);
    await page.mouse.click(x, y);
    await field.waitFor();
    await expect
      .poll(
        async () => {
          const box = (await field.boundingBox())!;
          return Math.max(Math.abs(box.x - x), Math.abs(box.y - y));
        },
        { timeout: 5000 },
      )
      .toBeLessThanOrEqual(2);
    await page.keyboard.press('Escape');
    await field.waitFor({ state: 'detached' });

    await page.setViewportSize({ width: 412, height: 915 });
    await settled(page);
    const [cx, cy] = await at(page, [0.97, 0.95]);
    await page.mouse.click(cx, cy);
    await field.waitFor();
    await settled(page);
    const box = (await field.boundingBox())!;
    const stage = (await page.locator(LIVE).boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(stage.x);
    expect(box.x + box.width).toBeLessThanOrEqual(stage.x + stage.width);
    expect(box.y + box.height).toBeLessThanOrEqual(915);
    await page.screenshot({ path: join(MATRIX, 'mentor-text-en-412x915.png') });
    await page.keyboard.press('Escape');

    await page.setViewportSize({ width: 1280, height: 800 });
    // A bookmark takes a title only while a recording would keep it.
    await recording(liveId, 'start');
    await page.locator('[data-testid="rec"][data-state="recording"]').waitFor({ timeout: 20_000 });
    const bookmark = page.getByRole('button', { name: '⚑ Bookmark' });
    const title = page.getByRole('textbox', { name: 'Bookmark' });
    await bookmark.click();
    await expect.poll(() => title.evaluate((el) => el === document.activeElement), { timeout: 5000 }).toBe(true);
    // A space typed goes into the title; it used to press the button and close the field.
    await page.keyboard.type('Calot triangle');
    await expect(title.inputValue()).resolves.toBe('Calot triangle');
    await page.keyboard.press('Escape');
    await title.waitFor({ state: 'detached' });
    await bookmark.click();
    await title.waitFor();
    await page.locator('header strong').click();
    await title.waitFor({ state: 'detached' });
    await recording(liveId, 'stop');
    await page.context().close();
  });

  it('undo and redo take back the eraser and Clear all for everyone, by button or keys, and not while typing', async () => {
    const page = await openIn('en', mentor, `/sessions/${liveId}/mentor`, { width: 1280, height: 800 });
    await page.getByRole('toolbar').waitFor();
    await waitForPicture(page);
    const seen = (by: Page, shown: boolean) => waitForColour(by, LIVE, LIME, (b) => (shown ? !!b && b.count > 20 : b === null));
    const everywhere = async (shown: boolean) => {
      await seen(page, shown);
      await seen(theatreOfLive, shown);
    };
    await page.getByRole('radio', { name: 'Arrow' }).click();
    await page.getByRole('radio', { name: 'Colour 2' }).click();
    await drag(page, [0.2, 0.2], [0.45, 0.45]);
    await everywhere(true);

    await page.getByRole('radio', { name: 'Eraser' }).click();
    const [ex, ey] = await at(page, [0.325, 0.325]);
    await page.mouse.click(ex, ey);
    await everywhere(false);
    await page.keyboard.press('Control+z');
    await everywhere(true);

    await page.getByRole('button', { name: 'Clear all' }).click();
    await everywhere(false);
    await page.getByRole('button', { name: 'Undo' }).click();
    await everywhere(true);
    await page.keyboard.press('Control+Shift+Z');
    await everywhere(false);
    await page.keyboard.press('Control+z');
    await everywhere(true);

    // Ctrl+Z in the text label's field is the field's own.
    await page.getByRole('radio', { name: 'Text' }).click();
    const [tx, ty] = await at(page, [0.7, 0.8]);
    await page.mouse.click(tx, ty);
    const text = page.getByRole('textbox', { name: 'Text' });
    await expect.poll(() => text.evaluate((el) => el === document.activeElement), { timeout: 5000 }).toBe(true);
    await page.keyboard.press('Control+z');
    await settled(page);
    expect(await colourBox(page, LIVE, LIME)).not.toBeNull();
    await page.keyboard.press('Escape');

    await page.keyboard.press('Control+y');
    await everywhere(false);
    await page.context().close();
  });
});
