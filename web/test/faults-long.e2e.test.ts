/**
 * The longest faults, behind `make test-long` (minutes each): a 30 s network cut, through
 * livekit-client's full reconnect, and livekit-server gone for a minute, past livekit-client's
 * own retries. Each test has a session of its own.
 */
import { describe, expect, it } from 'vitest';
import type { BrowserStack } from './stack.ts';
import { BLUE, CYAN, drag } from './live-pages.ts';
import { openLiveRoom, useLiveStack } from './live-room.ts';
import { useCuttableChromium, type CuttableChromium } from './network-cut.ts';
import { RECONNECTING, backLive, cutObserverFor, pen, sameAnnotationCount, seenEverywhere } from './fault-pages.ts';

let stack: BrowserStack;
let cuttable: CuttableChromium;
useLiveStack((s) => (stack = s));
useCuttableChromium((c) => (cuttable = c));

describe('long faults during a live session', () => {
  it('one observer’s network cut for 30 s: the same as for 5 s, through a full reconnect', async () => {
    const room = await openLiveRoom(stack, { observer: false });
    await cutObserverFor(room, cuttable, 30, 0.65);
  }, 240_000);

  it('livekit-server gone for 60 s (livekit-client gives up): every page rejoins by itself with a fresh token', async () => {
    const { theatre, mentor, observer, people } = await openLiveRoom(stack, { observer: { viewport: { width: 1280, height: 720 } } });
    await pen(mentor, 1);
    await drag(mentor, [0.1, 0.1], [0.3, 0.1]);
    await seenEverywhere([theatre, observer], CYAN, 0.3, 0.1);
    const pages = [theatre, mentor, observer];
    const tokens = async () =>
      Number((await stack.query("SELECT count(*) AS n FROM audit_log WHERE action = 'session.token' AND actor_id = ?", [people.mentor.id]))[0]!.n);
    const tokensBefore = await tokens();
    await stack.livekit.service.kill();
    for (const page of pages) await page.locator(RECONNECTING).waitFor({ timeout: 30_000 });
    // livekit-client retries for about 45 s, then gives up; the pages say they are reconnecting throughout.
    await mentor.waitForTimeout(60_000);
    for (const page of pages) await expect(page.locator(RECONNECTING).count()).resolves.toBe(1);
    await stack.livekit.restart();
    const restartedAt = Date.now();
    for (const page of pages) await backLive(page, 120_000);
    console.log(`livekit-server back after 60 s: every page live again after ${Date.now() - restartedAt} ms`);
    // The mentor's page joined again on its own, with a token it asked the api for.
    expect(await tokens()).toBeGreaterThan(tokensBefore);
    await pen(mentor, 4);
    await drag(mentor, [0.8, 0.45], [0.95, 0.45]);
    await seenEverywhere([theatre, observer], BLUE, 0.95, 0.45);
    for (const page of [theatre, observer]) await sameAnnotationCount(page, mentor);
  }, 300_000);
});
