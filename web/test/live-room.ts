/**
 * One live session of its own for one test: accounts, the session, and the pages each role
 * opens, already live. Every test that needs a room makes its own, so that no test depends on
 * what the one before it drew, recorded or left open; `close` (run by onTestFinished) closes
 * every page it opened and checks that none of them broke its Content-Security-Policy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, onTestFinished } from 'vitest';
import { Room, dispose } from '@livekit/rtc-node';
import { makeTissueVideo } from '@loupe/stack';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { LiveSession, SessionKind, SessionRole } from '@loupe/protocol';
import { startBrowserStack, type BrowserStack } from './stack.ts';
import type { ChromiumOptions } from '@loupe/stack';
import { openPage, waitForPicture, type Viewport } from './live-pages.ts';

export type Person = Awaited<ReturnType<BrowserStack['account']>>;

/**
 * Starts the stack a live test file runs against, once for the file (theatre's camera plays a
 * tissue-like picture ffmpeg makes), hands it to `ready`, and stops it after the file.
 */
export function useLiveStack(
  ready: (stack: BrowserStack) => void,
  options: { cluster?: boolean; apiEnv?: Record<string, string>; chromium?: Omit<ChromiumOptions, 'fakeVideo'> } = {},
): void {
  let dir: string;
  let stack: BrowserStack | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-live-'));
    stack = await startBrowserStack(
      { ...options.chromium, fakeVideo: makeTissueVideo(join(dir, 'theatre.y4m')) },
      { cluster: options.cluster, apiEnv: options.apiEnv },
    );
    ready(stack);
  });
  afterAll(async () => {
    await stack?.stop();
    await dispose();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** `browser`: another Chromium than the stack's (one whose network can be cut). */
type PageOptions = { viewport?: Viewport; mobile?: boolean; browser?: Browser };

export type LiveRoomOptions = {
  /** Theatre's window; theatre always sends its capture device. */
  theatre?: PageOptions;
  /** The mentor's page, unless `false`. */
  mentor?: PageOptions | false;
  /** An observer's page (a trainee), unless `false`; a phone held upright by default. */
  observer?: PageOptions | false;
  /** More people invited (not opened): each gets an account in the global role that fits. */
  invite?: { name: string; role: SessionRole }[];
  /** Leave the session scheduled: nobody has pressed Start. */
  scheduled?: boolean;
  /** An ultrasound session runs guided exams; its theatre is the scan room. */
  kind?: SessionKind;
};

export type LiveRoom = Awaited<ReturnType<typeof openLiveRoom>>;

const DESKTOP: Viewport = { width: 1280, height: 720 };
const PHONE: Viewport = { width: 390, height: 844 };
const GLOBAL_ROLE = { theatre: 'surgeon', mentor: 'mentor', observer: 'trainee', host: 'admin' } as const;

/** Opens a live session with theatre sending its picture and the mentor and an observer watching it. */
export async function openLiveRoom(stack: BrowserStack, options: LiveRoomOptions = {}) {
  const contexts: BrowserContext[] = [];
  const host = await stack.account('admin', 'Dr. Host');
  const surgeon = await stack.account('surgeon', 'Dr. Chen Hao');
  const mentorPerson = await stack.account('mentor', 'Prof. Zhang Min');
  const trainee = await stack.account('trainee', 'Li Na');
  const others = await Promise.all((options.invite ?? []).map(async (o) => ({ ...(await stack.account(GLOBAL_ROLE[o.role], o.name)), sessionRole: o.role })));
  const session: LiveSession = await stack.liveSession(
    host,
    [
      { email: surgeon.email, role: 'theatre' },
      { email: mentorPerson.email, role: 'mentor' },
      { email: trainee.email, role: 'observer' },
      ...others.map((o) => ({ email: o.email, role: o.sessionRole })),
    ],
    { start: !options.scheduled, kind: options.kind },
  );
  const violationsBefore = stack.policyViolations.length;

  const open = (who: Person, view: 'theatre' | 'mentor' | 'watch', o: PageOptions = {}) =>
    openPage(stack, contexts, who, `/sessions/${session.id}/${view}`, o.viewport ?? DESKTOP, { mobile: o.mobile, browser: o.browser });

  const room = {
    session,
    people: { host, surgeon, mentor: mentorPerson, trainee, others },
    theatre: null as unknown as Page,
    mentor: null as unknown as Page,
    observer: null as unknown as Page,
    /** Opens another page of this session, closed with the others. */
    open,
    /** Theatre's page for `who`, sending its capture device once live. */
    async openTheatre(who: Person, o: PageOptions = {}): Promise<Page> {
      const page = await open(who, 'theatre', o);
      await page
        .getByRole('button', { name: /Capture device/ })
        .first()
        .click();
      await waitForPicture(page);
      return page;
    },
    /** A mentor's page, live, with the drawing tools. */
    async openMentor(who: Person, o: PageOptions = {}): Promise<Page> {
      const page = await open(who, 'mentor', o);
      await page.getByRole('toolbar').waitFor();
      await waitForPicture(page);
      return page;
    },
    async openWatch(who: Person, o: PageOptions = {}): Promise<Page> {
      const page = await open(who, 'watch', o);
      await waitForPicture(page);
      return page;
    },
    /** Closes every page this room opened; their pages must have kept to their CSP. */
    async close(): Promise<void> {
      for (const c of contexts) await c.close().catch(() => undefined);
      expect(stack.policyViolations.slice(violationsBefore), 'pages of this session broke their CSP').toEqual([]);
    },
  };
  onTestFinished(() => room.close());

  // Everyone opens their page at once, as people join a session that starts: each page waits
  // for theatre's picture however the joins interleave (a room opened one page after another
  // took ~11 s of a ~13 s test).
  const { mentor, observer } = options;
  [room.theatre, room.mentor, room.observer] = await Promise.all([
    room.openTheatre(surgeon, options.theatre),
    mentor === false ? (null as unknown as Page) : room.openMentor(mentorPerson, mentor),
    observer === false ? (null as unknown as Page) : room.openWatch(trainee, { viewport: PHONE, mobile: true, ...observer }),
  ]);
  return room;
}

/**
 * Someone new invited to `room` in `role`, in the room with the real token the api gives them,
 * on rtc-node rather than a page: a member who sends what no page of Loupe would.
 */
export async function memberOnRtcNode(stack: BrowserStack, room: LiveRoom, name: string, role: SessionRole): Promise<{ who: Person; participant: Room }> {
  const who = await stack.account(GLOBAL_ROLE[role], name);
  await stack.invite(room.session.id, who.email, role);
  const { token, url } = await stack.tokenFor(room.session.id, who);
  const participant = new Room();
  await participant.connect(url, token, { autoSubscribe: false, dynacast: false });
  return { who, participant };
}
