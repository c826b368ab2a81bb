/**
 * Recording from the live room, end to end, as people use it: consent, REC on every screen,
 * bookmarks, the case in the library; the room left empty and come back to; the recorder
 * falling behind or its encoder dying; a session nobody pressed Start on. Real livekit-server,
 * api, recorder and web; Chromium with a fake camera. Every test has a session of its own.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../src/lib/api/client.ts';
import { SCREENSHOTS, type BrowserStack } from './stack.ts';
import { waitForColour } from './pixels.ts';
import { CYAN, LIVE, REC, YELLOW, at, drag, startRecording, waitForPicture } from './live-pages.ts';
import { openLiveRoom, useLiveStack } from './live-room.ts';

const run = promisify(execFile);
let stack: BrowserStack;
/** How long livekit-server keeps an empty room in this file's stack (20 s by default). */
const DEPARTURE_S = 5;
useLiveStack((s) => (stack = s), { apiEnv: { LOUPE_ROOM_DEPARTURE_SECONDS: String(DEPARTURE_S) } });

/** The session's latest recording, as the api says now. */
async function recordingNow(sessionId: string, who: { email: string; password: string }) {
  return unwrap((await stack.asPerson(who)).sessions[':id'].recording.$get({ param: { id: sessionId } }));
}

/** The ffmpeg writing this session's recording's segments. */
async function segmentWriter(recordingId: string): Promise<number> {
  const { stdout } = await run('pgrep', ['-f', join(stack.mediaDir, 'recordings', recordingId, 'segments')]);
  return Number(stdout.trim().split('\n')[0]);
}

describe('recording from the live room, in Chromium', () => {
  it('records with consent; REC on every screen; a bookmark becomes a chapter; the case replays the overlay, also resized', async () => {
    const { theatre, mentor, observer, session, people } = await openLiveRoom(stack);
    await mentor.getByRole('radio', { name: 'Pen' }).click();
    await drag(mentor, [0.2, 0.3], [0.6, 0.3]);
    await mentor.getByRole('radio', { name: 'Text' }).click();
    await mentor.getByRole('radio', { name: 'Colour 3' }).click();
    const [tx, ty] = await at(mentor, [0.12, 0.82]);
    await mentor.mouse.click(tx, ty);
    await mentor.getByRole('textbox', { name: 'Text' }).fill('3 o’clock: tear');
    await mentor.keyboard.press('Enter');
    await waitForColour(theatre, LIVE, YELLOW, (b) => !!b);

    // Before anything records, a bookmark would be lost: the pop-up says so and takes no title.
    await mentor.getByRole('button', { name: '⚑ Bookmark' }).click();
    await expect(mentor.getByTestId('bookmark-not-recording').innerText()).resolves.toMatch(/Nothing is being recorded/);
    await expect(mentor.getByPlaceholder('e.g. Critical view of safety').count()).resolves.toBe(0);
    await mentor.screenshot({ path: join(SCREENSHOTS, 'bookmark-not-recording.png') });
    await mentor.keyboard.press('Escape');
    await mentor.getByTestId('bookmark-not-recording').waitFor({ state: 'detached' });

    await startRecording(theatre, [theatre, mentor, observer]);
    await expect(observer.getByTestId('rec').innerText()).resolves.toBe('REC');
    await theatre.screenshot({ path: join(SCREENSHOTS, 'theatre-recording.png') });

    await mentor.getByRole('button', { name: '⚑ Bookmark' }).click();
    // The title field has the focus: typing goes straight into it (a space does not close it).
    await mentor.keyboard.type('Critical view of safety');
    await mentor.keyboard.press('Enter');
    await mentor.getByText('Bookmark added: Critical view of safety').waitFor();

    await theatre.getByRole('button', { name: /Pause recording/ }).click();
    await observer.getByText('REC paused').waitFor();
    await theatre.getByRole('button', { name: /Resume recording/ }).click();
    await observer.getByText('REC paused').waitFor({ state: 'detached' });
    await theatre.getByRole('button', { name: /Stop recording/ }).click();
    for (const page of [theatre, mentor, observer]) await page.getByTestId('rec').waitFor({ state: 'detached', timeout: 10_000 });

    // The recorder finishes the case; its log holds the bookmark.
    const recording = await stack.recordingOf(session.id, people.surgeon);
    expect(recording.status).toBe('ready');
    const events = (await readFile(join(stack.mediaDir, 'recordings', recording.id, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.some((e) => e.type === 'op' && e.op.kind === 'bookmark' && e.op.title === 'Critical view of safety')).toBe(true);
    const holds = events.filter((e) => e.type === 'pause' || e.type === 'resume' || e.type === 'stop');
    expect(
      holds.map((e) => e.type),
      JSON.stringify(holds),
    ).toEqual(['pause', 'resume', 'stop']);

    // The case, in the library, replays what was on the picture, at the chapter.
    await mentor.goto(`${stack.web.url}/cases`);
    const card = mentor.locator('a.case', { hasText: 'Laparoscopic cholecystectomy' });
    await card.waitFor();
    await card.click();
    const PLAYER = '[data-testid="case-player"] [data-picture-rect]';
    await mentor.locator(`${PLAYER} video`).waitFor();
    await mentor.getByRole('button', { name: /Critical view of safety/ }).click();
    // A chapter click seeks there and plays.
    await mentor.waitForFunction(
      (sel) => {
        const v = document.querySelector(`${sel} video`) as HTMLVideoElement | null;
        return !!v && v.readyState >= 2 && v.currentTime > 0 && !v.paused;
      },
      PLAYER,
      { timeout: 20_000 },
    );
    await mentor.locator(`${PLAYER} video`).evaluate((v: HTMLVideoElement) => v.pause());
    // What was on the picture when recording began (the snapshot) is on the replayed picture.
    const stroke = await waitForColour(mentor, PLAYER, CYAN, (b) => !!b);
    await waitForColour(mentor, PLAYER, YELLOW, (b) => !!b);
    await mentor.screenshot({ path: join(SCREENSHOTS, 'case-player.png') });
    // The player resized (a window made larger): the drawing stays on the picture where it was.
    await mentor.setViewportSize({ width: 1920, height: 1080 });
    await waitForColour(mentor, PLAYER, CYAN, (b) => !!b && Math.abs(b.maxX - stroke!.maxX) <= 0.01 && Math.abs(b.minX - stroke!.minX) <= 0.01);
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
  });

  it('the room left empty past LiveKit’s timeout: REC says it waits, and on return every screen agrees and the host can stop it', async () => {
    const room = await openLiveRoom(stack, { mentor: false });
    const { observer, session, people } = room;
    const host = await room.openWatch(people.host, { viewport: { width: 1280, height: 800 } });
    const recordingFrom = Date.now();
    await startRecording(room.theatre, [room.theatre, observer, host]);
    // Theatre's browser goes (closed, crashed), and so does everyone else's.
    await room.theatre.context().close();
    await host.locator(`${REC}[data-state="waiting"]`).waitFor({ timeout: 15_000 });
    await expect(host.getByTestId('rec').innerText()).resolves.toMatch(/waiting for theatre’s picture/);
    await host.screenshot({ path: join(SCREENSHOTS, 'host-recording-waiting.png') });
    await host.context().close();
    await observer.context().close();
    // Longer than livekit-server keeps an empty room.
    const awayMs = (DEPARTURE_S + 4) * 1000;
    await new Promise((r) => setTimeout(r, awayMs));

    const theatre = await room.openTheatre(people.surgeon);
    const back = await room.openWatch(people.host, { viewport: { width: 1280, height: 800 } });
    for (const page of [theatre, back]) await page.locator(`${REC}[data-state="recording"]`).waitFor({ timeout: 20_000 });
    await expect(back.getByRole('button', { name: '● Record' }).count()).resolves.toBe(0);
    await back.getByRole('button', { name: /Stop recording/ }).click();
    const recordedForMs = Date.now() - recordingFrom;
    for (const page of [theatre, back]) await page.getByTestId('rec').waitFor({ state: 'detached', timeout: 10_000 });
    const recording = await stack.recordingOf(session.id, people.surgeon);
    expect(recording.status).toBe('ready');
    const track = JSON.parse(await readFile(join(stack.mediaDir, 'recordings', recording.id, 'annotations.json'), 'utf8'));
    const gap = track.gaps.find((g: { kind: string; ms: number }) => g.kind === 'no_picture');
    expect(gap?.ms, JSON.stringify(track.gaps)).toBeGreaterThan(awayMs - 3000);
    // Only what was recorded with a picture is in the case: not the time nobody sent one.
    expect(track.durationMs).toBeLessThan(recordedForMs - gap.ms + 1000);
    // The case says where, on its timeline and in words.
    const listed = await (await back.request.get(`${stack.web.url}/api/cases`)).json();
    const made = listed.cases.find((c: { sessionId: string }) => c.sessionId === session.id);
    await back.goto(`${stack.web.url}/cases/${made.id}`);
    await expect.poll(() => back.getByTestId('case-gaps').innerText(), { timeout: 15_000 }).toMatch(/Theatre’s picture was away for \d+ s here/);
    await back.screenshot({ path: join(SCREENSHOTS, 'case-with-gap.png') });
  }, 180_000);

  it('when the recorder falls behind, every screen says REC — degraded, and says REC again once it keeps up', async () => {
    const { theatre, mentor, observer, session, people } = await openLiveRoom(stack);
    await startRecording(theatre, [theatre, mentor, observer]);
    const recording = await recordingNow(session.id, people.surgeon);
    // The recording's encoder stops, as on a machine out of CPU.
    const ffmpeg = await segmentWriter(recording.id);
    process.kill(ffmpeg, 'SIGSTOP');
    try {
      for (const page of [theatre, mentor, observer]) await page.locator(`${REC}[data-degraded="true"]`).waitFor({ timeout: 10_000 });
      await expect(observer.getByTestId('rec').innerText()).resolves.toBe('REC — degraded');
      await theatre.screenshot({ path: join(SCREENSHOTS, 'theatre-recording-degraded.png') });
    } finally {
      process.kill(ffmpeg, 'SIGCONT');
    }
    // Ten seconds after the last frame it had to skip, it is said to keep up again.
    for (const page of [theatre, observer]) await page.locator(`${REC}[data-degraded="false"]`).waitFor({ timeout: 30_000 });
  });

  it('the recorder’s encoder dies mid-recording: REC goes off on every screen and each says why; a second try fails the same way', async () => {
    const { theatre, mentor, observer, session, people } = await openLiveRoom(stack);
    await startRecording(theatre, [theatre, mentor, observer]);
    const recording = await recordingNow(session.id, people.surgeon);
    process.kill(await segmentWriter(recording.id), 'SIGKILL');
    for (const page of [theatre, mentor, observer]) {
      await page.getByTestId('rec').waitFor({ state: 'detached', timeout: 10_000 });
      await expect(page.getByTestId('recording-failure').innerText()).resolves.toMatch(
        /^Not recording\. Recording stopped: the video encoder \(ffmpeg\) was stopped by SIGKILL\./,
      );
    }
    await theatre.screenshot({ path: join(SCREENSHOTS, 'theatre-recording-failed.png') });
    await theatre.getByRole('button', { name: 'Dismiss' }).click();
    await theatre.getByTestId('recording-failure').waitFor({ state: 'detached' });
    expect((await stack.recordingOf(session.id, people.surgeon)).status).toBe('failed');

    // Tried again, it fails the same way: the same words show again, though dismissed before.
    await startRecording(theatre, [theatre]);
    const again = await recordingNow(session.id, people.surgeon);
    process.kill(await segmentWriter(again.id), 'SIGKILL');
    await theatre.getByTestId('recording-failure').waitFor({ timeout: 10_000 });
  });

  it('a session nobody pressed Start on goes live when theatre joins: the dashboard says Live, and Record works', async () => {
    const { theatre, session, people } = await openLiveRoom(stack, { scheduled: true, mentor: false, observer: false });
    const dashboard = await (await stack.contextFor(people.host, { viewport: { width: 1280, height: 800 } })).newPage();
    await dashboard.goto(`${stack.web.url}/sessions/${session.id}`);
    await expect(dashboard.getByText('Live', { exact: true }).first().isVisible()).resolves.toBe(true);
    await dashboard.context().close();
    await startRecording(theatre, [theatre]);
    await waitForPicture(theatre);
  });
});
