/**
 * The QC page in Chromium, on the hand-worked exams of api/test/qc-sample.ts. The period is
 * 2–29 November: E1, E2 and E3 fall in it in every time zone the web server may run in
 * (E4 and E5 sit near midnight UTC at the month's ends, and the page's days are the server's).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedQcSample } from '../../api/test/qc-sample.ts';
import { layoutProblems } from './layout-check.ts';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';

let stack: BrowserStack;
let lead: Awaited<ReturnType<BrowserStack['account']>>;
beforeAll(async () => {
  stack = await startBrowserStack();
  lead = await stack.account('qc_lead', 'Dr. Chen Jing');
  await seedQcSample(stack.db, lead.id);
});
afterAll(() => stack?.stop());

const PERIOD = 'from=2026-11-02&to=2026-11-29';
const tile = (page: Page, key: string) => page.locator(`[data-tile="${key}"] .value`).innerText();

/** Whether the chart titled `title` has drawn: its canvas has painted pixels. */
async function chartPainted(page: Page, title: string): Promise<boolean> {
  return page.getByRole('img', { name: title }).evaluate((box) => {
    const canvas = box.querySelector('canvas');
    if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
    return painted > 500;
  });
}

describe('the QC page, in Chromium', () => {
  it('shows a QC lead the figures and charts, and a filter changes them', async () => {
    const context = await stack.contextFor(lead, { viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    await page.goto(stack.web.url);
    await page.getByRole('link', { name: 'QC' }).click();
    await page.waitForURL(`${stack.web.url}/qc`);
    await page.goto(`${stack.web.url}/qc?${PERIOD}`);

    // E1 complete; E2 signed short of view b; E3 cancelled.
    expect(await tile(page, 'exams')).toBe('3');
    expect(await tile(page, 'completion')).toBe('33.3%');
    expect(await tile(page, 'first-pass')).toBe('60%');
    expect(await tile(page, 'repeat')).toBe('28.6%');
    expect(await tile(page, 'score')).toBe('3.6');
    expect(await tile(page, 'turnaround')).toBe('50 secs');
    expect(await tile(page, 'exam-time')).toBe('9 mins');
    const north = page.getByRole('region', { name: 'Per site' }).getByRole('row', { name: /North Hospital/ });
    await expect(north.innerText()).resolves.toMatch(/^North Hospital\s+2\s+50%\s+75%\s+16\.7%\s+3\.6\s/);
    const alpha = page.getByRole('region', { name: 'Per view' }).getByRole('row', { name: /Alpha view, renamed/ });
    await expect(alpha.innerText()).resolves.toMatch(/^Alpha view, renamed\s+3\s+4\s+33\.3%\s+50%\s+3\s+55 secs$/);

    for (const title of [
      'Exams and completion over time',
      'First-pass acceptance and repeat rate per view',
      'Mean score per view',
      'Review turnaround, capture to verdict',
    ]) {
      await expect.poll(() => chartPainted(page, title), { timeout: 10_000, message: title }).toBe(true);
    }
    await page.screenshot({ path: join(SCREENSHOTS, 'qc-1920.png'), fullPage: true });

    await page.getByLabel('Sonographer', { exact: true }).selectOption({ label: 'Zhao Lei' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/sonographer=/);
    expect(await tile(page, 'exams')).toBe('1');
    expect(await tile(page, 'completion')).toBe('0%');
    expect(await tile(page, 'repeat')).toBe('100%');
    expect(await tile(page, 'score')).toBe('—');

    const csv = page.getByRole('link', { name: 'Export CSV' });
    const download = await fetch(new URL((await csv.getAttribute('href'))!, stack.web.url), {
      headers: { cookie: `loupe_session=${await stack.cookieFor(lead)}` },
    });
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="loupe-qc_2026-11-02_2026-11-29.csv"');
    expect((await download.text()).split('\r\n')[1]).toMatch(/^all,,,1,0,0,1,1,1,/);
    expect(stack.policyViolations).toEqual([]);
    await context.close();
  });

  it('fits a phone, in Chinese', async () => {
    const context = await stack.contextFor(lead, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/qc?${PERIOD}`);
    await page.getByRole('heading', { name: '质量控制' }).waitFor();
    expect(await tile(page, 'completion')).toBe('33.3%');
    await expect.poll(() => chartPainted(page, '各切面平均评分'), { timeout: 10_000 }).toBe(true);
    expect(await layoutProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'qc-390-zh.png'), fullPage: true });
    expect(stack.policyViolations).toEqual([]);
    await context.close();
  });
});
