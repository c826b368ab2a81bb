/**
 * An ultrasound exam recorded as a teaching case, end to end: real livekit-server, api, recorder,
 * web and Chromium with a fake scanner. The scan room captures a still, the reviewer accepts it
 * and freezes the picture; the case page shows both stills beside the video, marked on the
 * timeline, and choosing one sends the video to its moment and shows it large.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { dispose } from '@livekit/rtc-node';
import { makeUltrasoundVideo } from '@loupe/stack';
import { BUILT_IN_PROTOCOLS } from '@loupe/protocol';
import { unwrap } from '../src/lib/api/client.ts';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';
import { openLiveRoom } from './live-room.ts';
import { REC, startRecording } from './live-pages.ts';

const efast = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!;
const FULL_HD = { width: 1920, height: 1080 };
const PHONE = { width: 390, height: 844 };

let dir: string;
let stack: BrowserStack;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-case-stills-'));
  stack = await startBrowserStack({ fakeVideo: makeUltrasoundVideo(join(dir, 'ultrasound.y4m')) });
});
afterAll(async () => {
  await stack?.stop();
  await dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a recorded exam’s stills in its case', () => {
  it('shows the exam’s still and the mentor’s freeze frame beside the video, each marked at the moment the recorder logged; choosing one seeks there', async () => {
    const room = await openLiveRoom(stack, { kind: 'ultrasound', observer: false, theatre: { viewport: FULL_HD }, mentor: { viewport: FULL_HD } });
    const { theatre: scanRoom, mentor, session, people } = room;
    await startRecording(scanRoom, [scanRoom, mentor]);

    // The reviewer starts the exam; the scan room captures the first view; the reviewer accepts it.
    await mentor.getByTestId('exam-protocol').selectOption('efast');
    await mentor.getByRole('button', { name: 'Start exam' }).click();
    await scanRoom.getByTestId('exam-current').waitFor();
    // A few seconds into the case, so that its stills sit apart from its start on the scrubber
    // (for the eye only: nothing below depends on how long).
    await scanRoom.waitForTimeout(3000);
    await scanRoom.getByTestId('capture-still').click();
    await mentor.locator('[data-testid="still-thumb"][data-verdict="pending"]').click();
    await mentor.getByTestId('score-4').click();
    await mentor.getByTestId('accept-still').click();
    // The reviewer freezes the picture: the frame is archived as a still too.
    await mentor.waitForTimeout(2000);
    await mentor.getByRole('button', { name: 'Freeze frame' }).click();
    const recording = await unwrap((await stack.asPerson(people.surgeon)).sessions[':id'].recording.$get({ param: { id: session.id } }));
    const stillEvents = async () =>
      (await readFile(join(stack.mediaDir, 'recordings', recording.id, 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((e) => e.type === 'still');
    await expect.poll(async () => (await stillEvents()).length, { timeout: 20_000 }).toBe(2);
    await mentor.getByRole('button', { name: 'Back to live' }).click();
    await scanRoom.getByRole('button', { name: /Stop recording/ }).click();
    await scanRoom.locator(REC).waitFor({ state: 'detached', timeout: 10_000 });
    expect((await stack.recordingOf(session.id, people.surgeon)).status).toBe('ready');

    // The gallery, as the api gives it: the moments the recorder logged.
    const api = await stack.asPerson(people.mentor);
    const { cases } = await unwrap(api.cases.$get({ query: {} }));
    const caseId = cases.find((c) => c.sessionId === session.id)!.id;
    const { stills } = await unwrap(api.cases[':id'].stills.$get({ param: { id: caseId } }));
    const logged = new Map((await stillEvents()).map((e) => [e.stillId as string, e.mediaMs as number]));
    expect(stills.map((s) => s.still.kind).sort()).toEqual(['capture', 'freeze']);
    for (const s of stills) expect(s.atMs).toBe(logged.get(s.still.id));

    await mentor.goto(`${stack.web.url}/cases/${caseId}`);
    const gallery = mentor.getByTestId('case-stills');
    await expect.poll(() => gallery.locator('button').count()).toBe(2);
    const captured = stills.find((s) => s.still.kind === 'capture')!;
    const frozen = stills.find((s) => s.still.kind === 'freeze')!;
    const capturedButton = gallery.locator(`button[data-still="${captured.still.id}"]`);
    await expect(capturedButton.innerText()).resolves.toContain(efast.views[0]!.name.en);
    await expect(capturedButton.innerText()).resolves.toContain('Accepted');
    await expect(gallery.locator(`button[data-still="${frozen.still.id}"]`).innerText()).resolves.toMatch(/Freeze frame/);
    const video = mentor.locator('[data-testid="case-player"] video');
    await video.waitFor();
    await mentor.locator('[data-testid="case-markers"] .still').first().waitFor();
    await expect(mentor.locator('[data-testid="case-markers"] .still').count()).resolves.toBe(2);

    // Choosing a still sends the video to its moment and shows it large, with its verdict and the report.
    for (const s of [frozen, captured]) {
      await gallery.locator(`button[data-still="${s.still.id}"]`).click();
      await expect.poll(() => video.evaluate((v: HTMLVideoElement) => Math.round(v.currentTime * 1000))).toBe(s.atMs);
      await expect
        .poll(() =>
          mentor
            .getByTestId('still-view')
            .locator('img')
            .evaluate((img: HTMLImageElement) => img.naturalWidth),
        )
        .toBe(s.still.width);
    }
    await expect(mentor.getByTestId('still-view').innerText()).resolves.toMatch(/Quality 4\/5/);
    await expect(mentor.getByRole('link', { name: 'QC report' }).getAttribute('href')).resolves.toBe(`/exams/${captured.exam!.id}/report`);
    await mentor.screenshot({ path: join(SCREENSHOTS, 'case-stills.png') });

    // On a phone the gallery follows the video.
    const phone = await (await stack.contextFor(people.mentor, { viewport: PHONE, isMobile: true, hasTouch: true })).newPage();
    onTestFinished(() => phone.context().close());
    await phone.goto(`${stack.web.url}/cases/${caseId}`);
    await phone.getByTestId('case-stills').locator(`button[data-still="${captured.still.id}"]`).click();
    // The large still comes into sight: it sits above the gallery on a phone.
    await expect
      .poll(() => phone.getByTestId('still-view').evaluate((el) => el.getBoundingClientRect().top < innerHeight && el.getBoundingClientRect().bottom > 0))
      .toBe(true);
    await phone.screenshot({ path: join(SCREENSHOTS, 'case-stills-phone.png') });
    await phone.screenshot({ path: join(SCREENSHOTS, 'case-stills-phone-page.png'), fullPage: true });
  });
});
