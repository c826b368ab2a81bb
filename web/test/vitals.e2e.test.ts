/**
 * Vital signs from a monitor to every live screen: ORU^R01 sent over a real MLLP socket to the
 * api's HL7 listener, the monitor strip on the mentor's desktop and an observer's phone, its
 * alarm colour past the session's limits.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { MonitorSimulator } from '@loupe/stack';
import { CaseTrack, vitalsMoments } from '@loupe/protocol';
import { oruR01 } from '../../api/test/pcd01-messages.ts';
import { startRecording } from './live-pages.ts';
import { unwrap } from '../src/lib/api/client.ts';
import { openLiveRoom, useLiveStack } from './live-room.ts';
import { SCREENSHOTS, type BrowserStack } from './stack.ts';
import { settled } from './layout-check.ts';

let stack: BrowserStack;
useLiveStack((s) => (stack = s));

let monitor: Hl7Client;
beforeAll(() => {
  monitor = new Hl7Client({ host: '127.0.0.1', port: stack.hl7Port });
});
afterAll(() => monitor.close());

let controlId = 0;
/** Sends one message as the monitor in `bed`; resolves with its ACK code once the api answers. */
async function send(bed: string, at: Date, values: Parameters<typeof oruR01>[0]['values']) {
  const ack = await monitor.sendAndWait(Hl7Message.parse(oruR01({ bed, controlId: `e2e${++controlId}`, at, values })), { timeoutMs: 10_000 });
  return ack.getSegment('MSA')!.getField(1).toString();
}

describe('monitor strip', () => {
  it('shows the monitor’s values on theatre, the mentor’s screen and a phone, with a trend, and turns red past a limit', async () => {
    const room = await openLiveRoom(stack, { mentor: { viewport: { width: 1920, height: 1080 } } });
    const bed = `OR-${room.session.id.slice(0, 8)}^^1`;
    const host = await stack.asPerson(room.people.host);
    await unwrap(host.sessions[':id']['vitals-source'].$post({ param: { id: room.session.id }, json: { deviceId: bed } }));

    // A minute of history, five seconds apart, as a monitor sends it; the last one is now.
    const start = Date.now() - 60_000;
    for (let i = 0; i <= 12; i++) {
      const values = { hr: 70 + (i % 4), spo2: 97 + (i % 2), nibpSys: 118 - i, nibpDia: 76, nibpMean: 90, rr: 14, temp: 36.8, etco2: 36 + (i % 3) };
      expect(await send(bed, new Date(start + i * 5000), values)).toBe('AA');
    }
    const hr = room.mentor.getByTestId('vital-hr');
    // The last message's systolic (106) is in no other.
    await expect.poll(() => room.mentor.getByTestId('vital-nibp-value').textContent(), { timeout: 10_000 }).toBe('106/76');
    await expect.poll(() => room.observer.getByTestId('vital-nibp-value').textContent(), { timeout: 10_000 }).toBe('106/76');
    await expect.poll(() => room.theatre.getByTestId('vital-nibp-value').textContent(), { timeout: 10_000 }).toBe('106/76');
    expect(await room.mentor.getByTestId('vital-hr-value').textContent()).toBe('70');
    expect(await hr.getAttribute('data-alarm')).toBe('false');

    // Tachycardia past the adult default (120): the value and the alarm colour, on both screens.
    const sentAt = Date.now();
    expect(await send(bed, new Date(), { hr: 148, spo2: 96, nibpSys: 104, nibpDia: 70, nibpMean: 82, rr: 18, temp: 36.9, etco2: 41 })).toBe('AA');
    await expect.poll(() => room.mentor.getByTestId('vital-hr-value').textContent(), { timeout: 10_000 }).toBe('148');
    // Seen on the page: the figure this test can honestly give (polling adds to it); the goal is ≤ 1 s (make bench).
    console.log(`vitals: message sent → value on the mentor's page in ${Date.now() - sentAt} ms`);
    await expect.poll(() => hr.getAttribute('data-alarm'), { timeout: 5_000 }).toBe('true');
    await expect.poll(() => room.observer.getByTestId('vital-hr').getAttribute('data-alarm'), { timeout: 10_000 }).toBe('true');
    const colour = await hr.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(colour).toBe('rgb(193, 18, 31)');
    expect(await room.mentor.getByTestId('vital-spo2').getAttribute('data-alarm')).toBe('false');
    // The sparkline draws the trend.
    expect(await room.mentor.getByTestId('vital-hr').locator('polyline').count()).toBe(1);

    // The session raises the limit for this patient: every open page recolours at once.
    const { limits } = await unwrap(host.sessions[':id'].vitals.$get({ param: { id: room.session.id } }));
    await unwrap(host.sessions[':id']['vitals-limits'].$put({ param: { id: room.session.id }, json: { ...limits, hr: { low: 50, high: 160 } } }));
    await expect.poll(() => hr.getAttribute('data-alarm'), { timeout: 10_000 }).toBe('false');
    await expect.poll(() => room.observer.getByTestId('vital-hr').getAttribute('data-alarm'), { timeout: 10_000 }).toBe('false');
    await unwrap(host.sessions[':id']['vitals-limits'].$put({ param: { id: room.session.id }, json: limits }));
    await expect.poll(() => hr.getAttribute('data-alarm'), { timeout: 10_000 }).toBe('true');

    // A page that opens late gets the values and the trend from the api.
    await room.mentor.reload();
    await expect.poll(() => room.mentor.getByTestId('vital-hr-value').textContent(), { timeout: 20_000 }).toBe('148');

    // One line across the mentor's desktop; wrapped on the phone.
    const rows = async (page: typeof room.mentor) =>
      new Set(
        await page
          .getByTestId('vitals-strip')
          .locator('.cell')
          .evaluateAll((cells) => cells.map((c) => Math.round(c.getBoundingClientRect().top))),
      ).size;
    expect(await rows(room.mentor)).toBe(1);
    expect(await rows(room.observer)).toBeGreaterThan(1);
    await room.mentor.screenshot({ path: join(SCREENSHOTS, 'vitals-mentor-1920.png') });
    await room.observer.screenshot({ path: join(SCREENSHOTS, 'vitals-phone-390.png') });

    // A feed that stopped: the monitor bound afresh, its only message observed a minute ago. A page
    // opening now greys the number and says since when, rather than showing it as current.
    await unwrap(host.sessions[':id']['vitals-source'].$delete({ param: { id: room.session.id } }));
    await unwrap(host.sessions[':id']['vitals-source'].$post({ param: { id: room.session.id }, json: { deviceId: bed } }));
    expect(await send(bed, new Date(Date.now() - 60_000), { hr: 66 })).toBe('AA');
    await room.mentor.reload();
    await expect.poll(() => room.mentor.getByTestId('vital-hr-value').textContent(), { timeout: 20_000 }).toBe('66');
    expect(await room.mentor.getByTestId('vital-hr').getAttribute('data-stale')).toBe('true');
    expect(await room.mentor.getByTestId('vital-hr').textContent()).toContain('no data since');
    expect(await room.mentor.getByTestId('vital-spo2').count()).toBe(0);
  });

  it('puts the monitor’s values into the recorded case, and the case player shows each at its moment', async () => {
    const room = await openLiveRoom(stack, { observer: false });
    const bed = `OR-${room.session.id.slice(0, 8)}^^2`;
    // The host binds the bed and sets this patient's HR limit on the session's page.
    const context = await stack.contextFor(room.people.host, { viewport: { width: 1280, height: 900 } });
    onTestFinished(() => context.close());
    const hostPage = await context.newPage();
    await hostPage.goto(`${stack.web.url}/sessions/${room.session.id}`);
    const settings = hostPage.getByTestId('monitor-settings');
    await expect(settings.getByTestId('monitor-bound').innerText()).resolves.toBe('No monitor is bound to this session.');
    await settings.getByLabel('Bed or device id').fill(bed);
    await settings.getByRole('button', { name: 'Bind monitor' }).click();
    await expect.poll(() => settings.getByTestId('monitor-bound').innerText(), { timeout: 10_000 }).toBe(`Bound: ${bed}`);
    await settings.getByLabel('HR High').fill('20');
    await settings.getByRole('button', { name: 'Save limits' }).click();
    await settings.getByText('Each low limit must be below its high limit.').waitFor();
    await settings.getByLabel('HR High').fill('130');
    await settings.getByRole('button', { name: 'Save limits' }).click();
    await settings.getByText('Alarm limits saved; every screen uses them now.').waitFor();
    await hostPage.screenshot({ path: join(SCREENSHOTS, 'vitals-monitor-settings.png'), fullPage: true });
    const host = await stack.asPerson(room.people.host);
    const saved = await unwrap(host.sessions[':id'].vitals.$get({ param: { id: room.session.id } }));
    expect(saved).toMatchObject({ deviceId: bed, limits: { hr: { low: 50, high: 130 } } });
    // The monitor simulator, over a real MLLP connection to the api's listener.
    const simulator = new MonitorSimulator({ host: '127.0.0.1', port: stack.hl7Port, bed });
    onTestFinished(() => simulator.stop());
    await startRecording(room.theatre, [room.theatre, room.mentor]);

    const hr = (page: typeof room.mentor) => page.getByTestId('vital-hr-value').textContent();
    const calm = await simulator.send({ hr: 71, spo2: 97 });
    expect(calm.ack).toBe('AA');
    await expect.poll(() => hr(room.mentor), { timeout: 10_000 }).toBe('71');
    // A second of the recording passes (theatre's own picture says so), then the desaturation.
    const video = room.mentor.locator('[data-picture-rect] video').first();
    const shownAt = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(shownAt + 1.5);
    expect((await simulator.send({ hr: 139, spo2: 85 })).ack).toBe('AA');
    await expect.poll(() => hr(room.mentor), { timeout: 10_000 }).toBe('139');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(shownAt + 3);
    await room.theatre.getByRole('button', { name: /Stop recording/ }).click();

    // The case's track holds both messages, in order, a second or more apart, with the session's limits.
    const recording = await stack.recordingOf(room.session.id, room.people.surgeon);
    expect(recording.status).toBe('ready');
    const track = CaseTrack.parse(JSON.parse(await readFile(join(stack.mediaDir, 'recordings', recording.id, 'annotations.json'), 'utf8')));
    const moments = vitalsMoments(track);
    expect(moments.map((m) => [m.values.hr, m.values.spo2])).toEqual([
      [71, 97],
      [139, 85],
    ]);
    const [first, second] = moments as [(typeof moments)[0], (typeof moments)[0]];
    expect(first.limits?.hr).toEqual({ low: 50, high: 130 });
    expect(second.mediaMs - first.mediaMs).toBeGreaterThanOrEqual(1000);
    expect(second.mediaMs).toBeLessThanOrEqual(track.durationMs);

    // The case player: the strip follows the playhead, the alarm colour with it.
    const listed = await (await room.mentor.request.get(`${stack.web.url}/api/cases`)).json();
    const made = listed.cases.find((c: { sessionId: string }) => c.sessionId === room.session.id);
    await room.mentor.goto(`${stack.web.url}/cases/${made.id}`);
    const player = room.mentor.locator('[data-testid="case-player"] video');
    await player.waitFor();
    const seek = (ms: number) =>
      player.evaluate((v: HTMLVideoElement, s) => {
        v.pause();
        v.currentTime = s;
      }, ms / 1000);
    await seek(first.mediaMs + 300);
    await expect.poll(() => hr(room.mentor), { timeout: 10_000 }).toBe('71');
    expect(await room.mentor.getByTestId('vital-hr').getAttribute('data-alarm')).toBe('false');
    await seek(second.mediaMs + 300);
    await expect.poll(() => hr(room.mentor), { timeout: 10_000 }).toBe('139');
    expect(await room.mentor.getByTestId('vital-hr').getAttribute('data-alarm')).toBe('true');
    expect(await room.mentor.getByTestId('vital-spo2-value').textContent()).toBe('85');
    await room.mentor.screenshot({ path: join(SCREENSHOTS, 'vitals-case-player.png') });
    // Back before the desaturation: the calm values again.
    await seek(first.mediaMs + 300);
    await expect.poll(() => hr(room.mentor), { timeout: 10_000 }).toBe('71');

    // In the player's column, on a desk, a laptop and a phone both ways: one line of cells, or two even rows
    // of them on an upright phone, never a ragged wrap; every number shown whole.
    for (const size of [
      { width: 1920, height: 1080 },
      { width: 1280, height: 800 },
      { width: 1024, height: 768 },
      { width: 390, height: 844 },
      { width: 844, height: 390 },
    ]) {
      await room.mentor.setViewportSize(size);
      await settled(room.mentor);
      await room.mentor.screenshot({ path: join(SCREENSHOTS, `vitals-case-player-${size.width}x${size.height}.png`) });
      const layout = await room.mentor.getByTestId('vitals-strip').evaluate((strip) => {
        const cells = [...strip.querySelectorAll<HTMLElement>('[data-testid^="vital-"]:not([data-testid$="-value"])')];
        const rows = new Map<number, number>();
        for (const c of cells) rows.set(Math.round(c.getBoundingClientRect().top), (rows.get(Math.round(c.getBoundingClientRect().top)) ?? 0) + 1);
        const cut = [...strip.querySelectorAll<HTMLElement>('[data-testid$="-value"]')].filter(
          (v) => v.getBoundingClientRect().right > v.closest('[data-alarm]')!.getBoundingClientRect().right + 1,
        );
        return { rows: [...rows.values()], cut: cut.map((v) => v.dataset.testid) };
      });
      const even = layout.rows.length === 1 || (layout.rows.length === 2 && layout.rows[0] === layout.rows[1] && size.width < 600);
      expect(even, `${size.width}×${size.height}: rows of ${layout.rows.join(' + ')}`).toBe(true);
      expect(layout.cut, `${size.width}×${size.height}`).toEqual([]);
    }
  });
});
