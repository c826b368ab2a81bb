/**
 * Who may do what in the live room, as members with real tokens try it: a second OR monitor,
 * an observer trying to draw, a theatre PC forging packets, a mentor flooding the room.
 * Every test opens a session of its own (live-room.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ANNOTATION_VERSION, MAX_ANNOTATIONS_PER_AUTHOR } from '@loupe/protocol';
import type { BrowserStack } from './stack.ts';
import { colourBox, waitForColour, type Box } from './pixels.ts';
import { BLUE, CYAN, LIVE, WHITE, drag, waitForPicture } from './live-pages.ts';
import { memberOnRtcNode, openLiveRoom, useLiveStack } from './live-room.ts';

let stack: BrowserStack;
useLiveStack((s) => (stack = s));

const close = (a: number, b: number, tolerance = 0.01) => Math.abs(a - b) <= tolerance;

async function whiteStroke(mentor: Page, y: number, to = 0.3): Promise<void> {
  await mentor.getByRole('radio', { name: 'Pen' }).click();
  await mentor.getByRole('radio', { name: 'Colour 5' }).click();
  await drag(mentor, [0.1, y], [to, y]);
}

describe('members of a live session, in Chromium', () => {
  it('a second OR monitor in display-only mode shows the picture and overlay, publishes nothing, and does not disturb theatre', async () => {
    const room = await openLiveRoom(stack, { observer: false });
    const { mentor, theatre } = room;
    await mentor.getByRole('radio', { name: 'Pen' }).click();
    await drag(mentor, [0.2, 0.3], [0.6, 0.3]);
    const display = await room.open(room.people.surgeon, 'theatre');
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

  it('a mentor demoted to observer while in the room is held to it at once: their page turns to the watch view, and theatre sees an observer', async () => {
    const room = await openLiveRoom(stack, { observer: false });
    const { mentor, theatre, session, people } = room;
    await whiteStroke(mentor, 0.9);
    await waitForColour(theatre, LIVE, WHITE, (b) => !!b);
    const members = (await stack.asPerson(people.host)).sessions[':id'].members;
    const res = await members.$post({ param: { id: session.id }, json: { email: people.mentor.email, role: 'observer' } });
    expect(res.status).toBe(200);
    await mentor.waitForURL(/\/watch$/, { timeout: 5000 });
    await waitForPicture(mentor);
    await expect(mentor.getByRole('toolbar').count()).resolves.toBe(0);
    // Theatre sees them as an observer now.
    await theatre.getByRole('button', { name: /^People \(\d+\)$/ }).click();
    await theatre.locator(`li[data-identity="${people.mentor.id}"]`, { hasText: 'Observer' }).waitFor({ timeout: 5000 });
  });

  it('an observer cannot draw', async () => {
    const { mentor, theatre, observer } = await openLiveRoom(stack);
    await whiteStroke(mentor, 0.9);
    const before = await waitForColour(theatre, LIVE, WHITE, (b) => !!b);
    const stage = observer.locator(LIVE);
    await expect(stage.getAttribute('role')).resolves.toBe('img');
    const box = (await stage.boundingBox())!;
    await observer.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.5);
    await observer.mouse.down();
    await observer.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.5, { steps: 10 });
    await observer.mouse.up();
    // What the observer dragged would have reached theatre by the time the mentor's next stroke does.
    await whiteStroke(mentor, 0.8);
    await waitForColour(theatre, LIVE, WHITE, (b) => !!b && b.minY < 0.85);
    const after = (await colourBox(theatre, LIVE, WHITE)) as Box;
    expect(after.maxY).toBeCloseTo(before!.maxY, 2);
    await expect(colourBox(theatre, LIVE, CYAN)).resolves.toBeNull();
  });

  it('a forged, malformed or oversized packet is dropped and counted; the pages keep working', async () => {
    const room = await openLiveRoom(stack);
    const { mentor, theatre, observer } = room;
    // A second theatre PC (theatre may send data: it serves snapshots) tries to draw as the mentor.
    const { who: rogue, participant } = await memberOnRtcNode(stack, room, 'Rogue PC', 'theatre');
    try {
      const mentorId = room.people.mentor.id;
      const forged = {
        v: ANNOTATION_VERSION,
        id: 'forged1',
        author: mentorId,
        seq: 1,
        t: Date.now(),
        frame: null,
        kind: 'shape',
        shape: 'ellipse',
        from: [0.05, 0.05],
        to: [0.95, 0.95],
        style: { color: '#448aff', width: 'thick' },
        fade: false,
      };
      const asTheatre = { ...forged, id: 'forged2', author: rogue.id };
      const send = (data: Uint8Array) => participant.localParticipant!.publishData(data, { reliable: true, topic: 'loupe.ops' });
      const before = Number(await observer.locator('[data-dropped]').first().getAttribute('data-dropped'));
      // An op claiming a newer Loupe makes the page ask its own server whether Loupe was updated.
      const versionChecked = observer.waitForResponse((r) => r.url().includes('/_app/version.json'), { timeout: 10_000 });
      await send(new TextEncoder().encode(JSON.stringify(forged)));
      await send(new TextEncoder().encode(JSON.stringify(asTheatre)));
      await send(new TextEncoder().encode('{"v":1,"kind":'));
      await send(new TextEncoder().encode(JSON.stringify({ ...forged, v: 99 })));
      await send(new Uint8Array(12 * 1024).fill(0x7b));
      await observer.waitForFunction((n) => Number(document.querySelector('[data-dropped]')?.getAttribute('data-dropped')) >= n, before + 5, {
        timeout: 10_000,
      });
      const reasons = await observer.locator('[data-dropped]').first().getAttribute('data-drop-reasons');
      expect(reasons).toMatch(/not_author/);
      expect(reasons).toMatch(/not_allowed/);
      expect(reasons).toMatch(/malformed/);
      expect(reasons).toMatch(/unknown_version/);
      expect(reasons).toMatch(/oversized/);
      // The server says it was not: nobody is told to reload because a member said so.
      await versionChecked;
      await expect(observer.getByTestId('outdated').count()).resolves.toBe(0);
      // Nothing was drawn, and the mentor can still draw for everyone.
      await expect(colourBox(theatre, LIVE, BLUE).then((b) => b && b.maxX > 0.9)).resolves.toBeFalsy();
      await whiteStroke(mentor, 0.9);
      await waitForColour(observer, LIVE, WHITE, (b) => !!b && close(b.maxX, 0.3));
    } finally {
      await participant.disconnect();
    }
  });

  it('a mentor sending 200 full-picture arrows more than their share within the rate limit: every page keeps at most their share, stays responsive, and the real mentor still draws', async () => {
    const room = await openLiveRoom(stack);
    const { theatre, observer } = room;
    const { who: rogue, participant } = await memberOnRtcNode(stack, room, 'Mentor drawing too much', 'mentor');
    try {
      const arrow = (i: number) => ({
        v: ANNOTATION_VERSION,
        id: `big${i}`,
        author: rogue.id,
        seq: i,
        t: Date.now(),
        frame: null,
        kind: 'shape',
        shape: 'arrow',
        from: [0.01, 0.01 + (i % 97) / 100],
        to: [0.99, 0.99 - (i % 89) / 100],
        style: { color: '#448aff', width: 'thick' },
        fade: false,
      });
      // 200 a second: under the sender's limit, so every one is a valid op the pages must take or refuse themselves.
      for (let i = 0; i < MAX_ANNOTATIONS_PER_AUTHOR + 200; i++) {
        await participant.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(arrow(i))), { reliable: true, topic: 'loupe.ops' });
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 100));
      }
      for (const page of [theatre, observer]) {
        await page.waitForFunction(
          (max) => Number(document.querySelector('[data-testid="live"] [data-annotations]')?.getAttribute('data-annotations')) === max,
          MAX_ANNOTATIONS_PER_AUTHOR,
          { timeout: 60_000 },
        );
      }
      // Theatre's page still answers a press at once (its people panel opens and closes).
      const people = theatre.getByRole('button', { name: /^People \(\d+\)$/ });
      await people.click({ timeout: 5000 });
      await expect(people.getAttribute('aria-expanded')).resolves.toBe('true');
      await people.click({ timeout: 5000 });
      // The real mentor can still draw: they have a share of their own.
      await whiteStroke(room.mentor, 0.5, 0.4);
      await waitForColour(theatre, LIVE, WHITE, (b) => !!b, 20_000);
      // The rogue clears all, then undoes and redoes it 60 times a second: every drawing goes and
      // comes back each frame. Theatre still answers at once, and ends showing what is in force:
      // the clear (redone last), so nothing at all, painted.
      let seq = MAX_ANNOTATIONS_PER_AUTHOR + 200;
      const send = (op: object) =>
        participant.localParticipant!.publishData(
          new TextEncoder().encode(JSON.stringify({ v: ANNOTATION_VERSION, author: rogue.id, seq: seq++, t: Date.now(), frame: null, ...op })),
          {
            reliable: true,
            topic: 'loupe.ops',
          },
        );
      await send({ id: 'wipe', kind: 'clear' });
      for (let i = 0; i < 120; i++) {
        await send({ id: `toggle${i}`, kind: i % 2 ? 'restore' : 'erase', target: { author: rogue.id, id: 'wipe' } });
        // Paced at 60 a second, once a frame: not a wait for anything.
        await new Promise((r) => setTimeout(r, 1000 / 60));
      }
      await people.click({ timeout: 5000 });
      await expect(people.getAttribute('aria-expanded')).resolves.toBe('true');
      await people.click({ timeout: 5000 });
      await theatre.waitForFunction(() => document.querySelector('[data-testid="live"] [data-annotations]')?.getAttribute('data-annotations') === '0', null, {
        timeout: 20_000,
      });
      await waitForColour(theatre, LIVE, [0x44, 0x8a, 0xff], (b) => b === null, 20_000);
      await waitForColour(theatre, LIVE, WHITE, (b) => b === null, 5_000);
    } finally {
      await participant.disconnect();
    }
  });

  it('a theatre PC sending a snapshot nobody asked for cannot draw as the mentor, nor make a chapter', async () => {
    const room = await openLiveRoom(stack);
    const { mentor, theatre, observer, people } = room;
    await whiteStroke(mentor, 0.9);
    await waitForColour(observer, LIVE, WHITE, (b) => !!b);
    const { who: rogue, participant } = await memberOnRtcNode(stack, room, 'Rogue theatre PC', 'theatre');
    try {
      const forged = {
        v: ANNOTATION_VERSION,
        id: 'forged-snap',
        author: people.mentor.id,
        seq: 77,
        t: Date.now(),
        frame: null,
        kind: 'shape',
        shape: 'ellipse',
        from: [0.05, 0.05],
        to: [0.95, 0.6],
        style: { color: '#448aff', width: 'thick' },
        fade: false,
      };
      const bookmark = {
        v: ANNOTATION_VERSION,
        id: 'forged-mark',
        author: rogue.id,
        seq: 78,
        t: Date.now(),
        frame: null,
        kind: 'bookmark',
        title: 'Forged chapter',
      };
      const before = Number(await observer.locator('[data-dropped]').first().getAttribute('data-dropped'));
      await participant.localParticipant!.sendText(JSON.stringify({ v: ANNOTATION_VERSION, kind: 'snapshot', ops: [forged, bookmark] }), {
        topic: 'loupe.snapshot',
      });
      await observer.waitForFunction((n) => Number(document.querySelector('[data-dropped]')?.getAttribute('data-dropped')) >= n, before + 2, {
        timeout: 10_000,
      });
      await expect(colourBox(observer, LIVE, BLUE)).resolves.toBeNull();
      await expect(colourBox(theatre, LIVE, BLUE)).resolves.toBeNull();
      // The mentor still draws for everyone.
      await whiteStroke(mentor, 0.8, 0.5);
      await waitForColour(observer, LIVE, WHITE, (b) => !!b && b.minY < 0.85);
    } finally {
      await participant.disconnect();
    }
  });

  it('a flood of 10 000 ops a second from one mentor is cut to the sender’s rate and counted; the real mentor still draws for everyone', async () => {
    const room = await openLiveRoom(stack);
    const { mentor, theatre, observer } = room;
    const { who: flooder, participant } = await memberOnRtcNode(stack, room, 'Flooding Mentor', 'mentor');
    try {
      // Valid ops that change nothing anyone can see (erasing drawings that do not exist), so
      // only the rate limit stands between them and the pages.
      const op = (i: number) => ({
        v: ANNOTATION_VERSION,
        id: `flood${i}`,
        author: flooder.id,
        seq: i,
        t: Date.now(),
        frame: null,
        kind: 'erase',
        target: { author: flooder.id, id: `none${i}` },
      });
      const limited = async () =>
        Number(/rate_limited:(\d+)/.exec((await theatre.locator('[data-dropped]').first().getAttribute('data-drop-reasons')) ?? '')?.[1] ?? 0);
      const started = Date.now();
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 10_000; i++) {
        sends.push(participant.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(op(i))), { reliable: true, topic: 'loupe.ops' }));
        // Paced at 10 000 a second, the flood's rate: not a wait for anything.
        if (i % 1000 === 999) await new Promise((r) => setTimeout(r, 100));
      }
      await Promise.all(sends);
      const seconds = (Date.now() - started) / 1000;
      // The limit lets a burst of 480 through, then 240 a second: everything beyond is dropped.
      const mustDrop = Math.floor(10_000 - 480 - 240 * (seconds + 2));
      await theatre.waitForFunction(
        (n) => Number(/rate_limited:(\d+)/.exec(document.querySelector('[data-dropped]')?.getAttribute('data-drop-reasons') ?? '')?.[1] ?? 0) >= n,
        mustDrop,
        { timeout: 60_000 },
      );
      expect(await limited()).toBeLessThanOrEqual(10_000);
      await whiteStroke(mentor, 0.8, 0.9);
      for (const page of [theatre, observer]) await waitForColour(page, LIVE, WHITE, (b) => !!b && close(b.maxX, 0.9));
    } finally {
      await participant.disconnect();
    }
  });
});
