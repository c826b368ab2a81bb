import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';
import { watchPolicyViolations, type PolicyViolation } from './policy-violations.ts';

let stack: BrowserStack;
beforeAll(async () => {
  stack = await startBrowserStack();
});
afterAll(() => stack?.stop());
// Each test answers for its own pages: none may run into its Content-Security-Policy or
// Permissions-Policy (the CSP test's deliberate one is caught in a context of its own).
afterEach(() => expect(stack.policyViolations.splice(0)).toEqual([]));

describe('signing in and scheduling, in Chromium', () => {
  it('a surgeon signs in, schedules a session and sees it on the dashboard', async () => {
    const surgeon = await stack.account('surgeon', 'Dr. Chen Hao');
    const context = await stack.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();

    await page.goto(stack.web.url);
    await page.waitForURL(/\/login\?next=%2F$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'sign-in.png') });
    await stack.signIn(page, surgeon);
    await expect(page.getByRole('heading', { name: 'My sessions' }).isVisible()).resolves.toBe(true);

    await page.getByLabel('Title').fill('Laparoscopic cholecystectomy, teaching list');
    await page.getByLabel('Procedure').fill('Cholecystectomy');
    await page.getByLabel('Specialty').fill('Hepatobiliary surgery');
    await page.getByLabel('Date and time').fill('2026-12-03T09:30');
    await page.getByRole('button', { name: 'Schedule session' }).click();

    const card = page.locator('article.session', { hasText: 'Laparoscopic cholecystectomy, teaching list' });
    await card.waitFor();
    await expect(card.innerText()).resolves.toMatch(/Cholecystectomy · Hepatobiliary surgery/);
    await expect(card.innerText()).resolves.toMatch(/Your role: Host/);
    await expect(card.getByRole('link', { name: 'Join as Host' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png') });

    // The session survives a reload: it came from the api, not from page state.
    await page.reload();
    await expect(page.locator('article.session').count()).resolves.toBe(1);
    await context.close();
  });

  it('a wrong password says so, and no session cookie is set', async () => {
    const mentor = await stack.account('mentor', 'Prof. Zhang Min');
    const context = await stack.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/login`);
    await page.getByLabel('Email').fill(mentor.email);
    await page.getByLabel('Password').fill('not my password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('Email or password is incorrect.');
    expect((await context.cookies()).some((c) => c.name === 'loupe_session')).toBe(false);
    await context.close();
  });

  it('after five wrong passwords the form says sign-in is paused, and for how long', async () => {
    const mentor = await stack.account('mentor', 'Prof. Li Wen');
    const context = await stack.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/login`);
    await page.getByLabel('Email').fill(mentor.email);
    const alert = page.getByRole('alert');
    for (let i = 0; i < 5; i++) {
      await page.getByLabel('Password').fill(`wrong guess ${i}`);
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/auth/sign-in'));
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect((await answered).status()).toBe(401);
    }
    // Even the right password now waits out the lockout.
    await page.getByLabel('Password').fill(mentor.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await alert.filter({ hasText: 'paused' }).waitFor();
    await expect(alert.innerText()).resolves.toBe('Too many failed sign-ins. To protect the account, signing in is paused: try again in 30 seconds.');
    await context.close();
  });

  it('speaks Chinese to a Chinese browser, and the user can switch language', async () => {
    const trainee = await stack.account('trainee', '李娜');
    const context = await stack.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/login`);
    await expect(page.getByRole('heading', { name: '登录 Loupe' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await stack.signIn(page, trainee);
    await expect(page.getByRole('heading', { name: '我的会话' }).isVisible()).resolves.toBe(true);
    // Trainees do not schedule: no form for them.
    await expect(page.getByRole('button', { name: '预约会话' }).count()).resolves.toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-zh.png') });

    // Until the reader chooses, the browser's language is followed, not pinned: a reader who
    // changes their browser's language later gets Loupe in the new one.
    const localeCookie = async () => (await context.cookies()).find((c) => c.name === 'loupe_locale')?.value;
    await expect(localeCookie()).resolves.toBeUndefined();

    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { name: 'My sessions' }).waitFor();
    // The page's language is the document's at once, not after the next load.
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await expect(localeCookie()).resolves.toBe('en');
    await page.reload();
    await expect(page.getByRole('heading', { name: 'My sessions' }).isVisible()).resolves.toBe(true);
    await context.close();
  });

  it('dates are written in the reader’s form of the page’s language; sessions to come are listed soonest first', async () => {
    const surgeon = await stack.account('surgeon', 'Dr. Li Ming');
    const context = await stack.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const page = await context.newPage();
    await stack.signIn(page, surgeon);
    const schedule = async (title: string, when: string) => {
      await page.getByLabel('Title').fill(title);
      await page.getByLabel('Procedure').fill('Appendicectomy');
      await page.getByLabel('Specialty').fill('General surgery');
      await page.getByLabel('Date and time').fill(when);
      await page.getByRole('button', { name: 'Schedule session' }).click();
      await page.locator('article.session', { hasText: title }).waitFor();
    };
    await schedule('Later in December', '2036-12-20T14:00');
    // Spelled out under the field in the page's language, as the reader's browser writes it.
    await page.getByLabel('Date and time').fill('2036-12-03T09:30');
    await expect(page.getByTestId('date-echo').innerText()).resolves.toMatch(/^Wednesday, December 3, 2036 at 9:30\sAM$/);
    await expect(page.getByLabel('Date and time').getAttribute('lang')).resolves.toBe('en-US');
    await schedule('Early in December', '2036-12-03T09:30');
    const cards = page.locator('article.session');
    await expect(cards.allInnerTexts()).resolves.toEqual([
      expect.stringMatching(/^Scheduled\s+Dec 3, 2036, 9:30 AM\s+Early in December/),
      expect.stringMatching(/^Scheduled\s+Dec 20, 2036, 2:00 PM\s+Later in December/),
    ]);

    await page.getByLabel('Language').selectOption('zh');
    await page.getByRole('heading', { name: '我的会话' }).waitFor();
    await page.getByLabel('日期和时间').fill('2036-12-03T09:30');
    await expect(page.getByTestId('date-echo').innerText()).resolves.toBe('2036年12月3日星期三 09:30');
    await expect(page.getByLabel('日期和时间').getAttribute('lang')).resolves.toBe('zh-CN');
    await context.close();
  });

  it('the library’s search is kept in the address as it is typed: a reload or going back keeps it', async () => {
    const trainee = await stack.account('trainee', 'Wang Fang');
    const context = await stack.contextFor(trainee, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/cases`);
    const search = page.getByRole('searchbox', { name: 'Search cases' });
    await search.pressSequentially('adhesions');
    await page.waitForURL(`${stack.web.url}/cases?q=adhesions`);
    // Typing goes on in the same field.
    await expect(search.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await page.reload();
    await expect(search.inputValue()).resolves.toBe('adhesions');
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.waitForURL(`${stack.web.url}/`);
    await page.goBack();
    await page.waitForURL(`${stack.web.url}/cases?q=adhesions`);
    await expect(search.inputValue()).resolves.toBe('adhesions');
    await context.close();
  });

  it('a search typed before the page’s code has loaded still runs once it has', async () => {
    const trainee = await stack.account('trainee', 'Li Wei');
    const context = await stack.contextFor(trainee, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // A slow link: the page is on screen, its code is not there yet.
    let release!: () => void;
    const loaded = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/_app/immutable/**', async (route) => {
      await loaded;
      await route.continue();
    });
    await page.goto(`${stack.web.url}/cases`, { waitUntil: 'commit' });
    const search = page.getByRole('searchbox', { name: 'Search cases' });
    await search.pressSequentially('adhesions');
    await expect(page.evaluate(() => location.search)).resolves.toBe('');
    release();
    await page.waitForURL(`${stack.web.url}/cases?q=adhesions`);
    await expect(search.inputValue()).resolves.toBe('adhesions');
    await context.close();
  });

  it('a host invites a mentor, who then sees the session with a join button', async () => {
    const host = await stack.account('surgeon', 'Dr. Host');
    const mentor = await stack.account('mentor', 'Prof. Expert');
    const context = await stack.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    await stack.signIn(page, host);
    await page.getByLabel('Title').fill('Thyroid lobectomy');
    await page.getByLabel('Procedure').fill('Lobectomy');
    await page.getByLabel('Specialty').fill('Endocrine surgery');
    await page.getByLabel('Date and time').fill('2026-12-04T14:00');
    await page.getByRole('button', { name: 'Schedule session' }).click();
    await page.locator('article.session', { hasText: 'Thyroid lobectomy' }).getByRole('link', { name: 'Details' }).click();
    await page.getByLabel('Email of the person to invite').fill(mentor.email);
    await page.getByText('Remote expert: talks and draws on the video').click();
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect(page.getByRole('status').innerText()).resolves.toMatch(/invited as Mentor/);
    await expect(page.locator('li', { hasText: 'Prof. Expert' }).innerText()).resolves.toMatch(/Mentor/);
    await page.screenshot({ path: join(SCREENSHOTS, 'session-detail.png') });
    await context.close();

    const mentorContext = await stack.newContext({ locale: 'en-GB' });
    const mentorPage = await mentorContext.newPage();
    await stack.signIn(mentorPage, mentor);
    const card = mentorPage.locator('article.session', { hasText: 'Thyroid lobectomy' });
    await expect(card.getByRole('link', { name: 'Join as Mentor' }).getAttribute('href')).resolves.toMatch(/\/mentor$/);
    await mentorContext.close();
  });

  it('pages carry a strict CSP that lets them reach exactly the LiveKit server the api hands out', async () => {
    const host = await stack.account('surgeon', 'Dr. Headers');
    const session = await stack.liveSession(host, []);
    const livekit = new URL((await stack.tokenFor(session.id, host)).url);
    const res = await fetch(`${stack.web.url}/login`);
    const csp = new Map(
      res.headers
        .get('content-security-policy')!
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...sources]) => [name!, sources]),
    );
    expect(csp.get('connect-src')).toEqual(["'self'", `ws://${livekit.host}`, `http://${livekit.host}`]);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    // SvelteKit's start-up script runs by its nonce; nothing else inline does.
    expect(csp.get('script-src')).toEqual(["'self'", expect.stringMatching(/^'nonce-.+'$/)]);
    expect(csp.get('style-src-elem')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('permissions-policy')).toMatch(/camera=\(self\), microphone=\(self\), display-capture=\(self\)/);

    // The policy is enforced, and what a page tries against it is seen by the watcher the
    // other tests rely on.
    const context = await stack.browser.newContext();
    const caught: PolicyViolation[] = [];
    await watchPolicyViolations(context, caught);
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/login`);
    const fetched = await page.evaluate(() =>
      fetch('http://127.0.0.1:9/elsewhere').then(
        () => 'fetched',
        () => 'refused',
      ),
    );
    expect(fetched).toBe('refused');
    await expect.poll(() => caught.map((v) => v.what).join('\n')).toMatch(/connect-src blocked http:\/\/127\.0\.0\.1:9\/elsewhere/);
    await context.close();
  });
});
