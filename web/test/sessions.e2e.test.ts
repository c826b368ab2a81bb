import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';

let stack: BrowserStack;
beforeAll(async () => {
  stack = await startBrowserStack();
});
afterAll(() => stack?.stop());

describe('signing in and scheduling, in Chromium', () => {
  it('a surgeon signs in, schedules a session and sees it on the dashboard', async () => {
    const surgeon = await stack.account('surgeon', 'Dr. Chen Hao');
    const context = await stack.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
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
    const context = await stack.browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/login`);
    await page.getByLabel('Email').fill(mentor.email);
    await page.getByLabel('Password').fill('not my password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('Email or password is incorrect.');
    expect((await context.cookies()).some((c) => c.name === 'loupe_session')).toBe(false);
    await context.close();
  });

  it('speaks Chinese to a Chinese browser, and the user can switch language', async () => {
    const trainee = await stack.account('trainee', '李娜');
    const context = await stack.browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/login`);
    await expect(page.getByRole('heading', { name: '登录 Loupe' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await stack.signIn(page, trainee);
    await expect(page.getByRole('heading', { name: '我的会话' }).isVisible()).resolves.toBe(true);
    // Trainees do not schedule: no form for them.
    await expect(page.getByRole('button', { name: '预约会话' }).count()).resolves.toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-zh.png') });

    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { name: 'My sessions' }).waitFor();
    await page.reload();
    await expect(page.getByRole('heading', { name: 'My sessions' }).isVisible()).resolves.toBe(true);
    await context.close();
  });

  it('a host invites a mentor, who then sees the session with a join button', async () => {
    const host = await stack.account('surgeon', 'Dr. Host');
    const mentor = await stack.account('mentor', 'Prof. Expert');
    const context = await stack.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
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

    const mentorContext = await stack.browser.newContext({ locale: 'en-GB' });
    const mentorPage = await mentorContext.newPage();
    await stack.signIn(mentorPage, mentor);
    const card = mentorPage.locator('article.session', { hasText: 'Thyroid lobectomy' });
    await expect(card.getByRole('link', { name: 'Join as Mentor' }).getAttribute('href')).resolves.toMatch(/\/mentor$/);
    await mentorContext.close();
  });
});
