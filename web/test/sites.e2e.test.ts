/**
 * Sites in Chromium: an admin adds a county hospital and a QC centre, renames one and puts a
 * sonographer into the hospital; the sonographer's session form then scans at their hospital,
 * and an ultrasound session says where it scans, who reviews, and calls theatre the scan room.
 * Screenshots of the Sites page and the session form at a wide monitor and a phone, in both
 * languages, go to test-results/screenshots/sites/; each must lay out without problems.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';
import { DESK_AND_PHONE, layoutAtSizes, settled } from './layout-check.ts';

const SHOTS = join(SCREENSHOTS, 'sites');
const HOSPITAL = 'Hengshan County People’s Hospital';
const CENTRE = 'Provincial Ultrasound QC Centre';

let stack: BrowserStack;
beforeAll(async () => {
  stack = await startBrowserStack();
  await mkdir(SHOTS, { recursive: true });
});
afterAll(() => stack?.stop());
afterEach(() => expect(stack.policyViolations.splice(0)).toEqual([]));

async function inChinese(page: Page) {
  await page.context().addCookies([{ name: 'loupe_locale', value: 'zh', url: stack.web.url }]);
  await page.reload();
  await settled(page);
}

describe('hospitals and centres, in Chromium', () => {
  it('an admin adds sites and puts a sonographer in one; the sonographer schedules an ultrasound scan there, reviewed by the centre', async () => {
    const admin = await stack.account('admin', 'Dr. Lin Wei');
    const sonographer = await stack.account('surgeon', 'Dr. Chen Hao');
    const adminPage = await (await stack.contextFor(admin, { viewport: DESK_AND_PHONE[0] })).newPage();
    await adminPage.goto(`${stack.web.url}/admin/sites`);

    const form = adminPage.locator('aside form');
    // Enabled once the page's script runs.
    await form.locator('button[type="submit"]:not([disabled])').waitFor();
    for (const [name, kind] of [
      [HOSPITAL, 'Hospital'],
      ['Provincial QC Centre', 'Expert centre'],
    ] as const) {
      await form.getByLabel('Name').fill(name);
      await form.getByLabel('Kind').selectOption({ label: kind });
      await form.getByRole('button', { name: 'Add site' }).click();
      await adminPage.locator('li[data-site-id]', { hasText: name }).waitFor();
    }
    // A name already taken is refused in the reader's words.
    await form.getByLabel('Name').fill(HOSPITAL);
    await form.getByRole('button', { name: 'Add site' }).click();
    await expect(form.getByRole('alert').innerText()).resolves.toBe('Another site already has this name.');

    // Renamed in place: the PACS address is checked before it is sent.
    await adminPage.getByRole('button', { name: 'Edit Provincial QC Centre' }).click();
    const edit = adminPage.locator('li[data-site-id] form');
    await edit.getByLabel('Name').fill(CENTRE);
    await edit.getByLabel('PACS address (DICOMweb)').fill('pacs.example');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.getByText('Enter the http(s) base URL of the PACS DICOMweb service.').waitFor();
    await edit.getByLabel('PACS address (DICOMweb)').fill('http://127.0.0.1:8042/dicom-web');
    await edit.getByRole('button', { name: 'Save' }).click();
    await adminPage.locator('li[data-site-id]', { hasText: CENTRE }).getByText('PACS: http://127.0.0.1:8042/dicom-web').waitFor();

    await adminPage.getByLabel(`Site of ${sonographer.name}`).selectOption({ label: HOSPITAL });
    await expect(adminPage.getByRole('status').innerText()).resolves.toBe(`${sonographer.name} now belongs to: ${HOSPITAL}.`);
    const problems = await layoutAtSizes(adminPage, SHOTS, 'admin-sites', 'en');
    await inChinese(adminPage);
    await adminPage.getByRole('heading', { name: '医院与中心' }).waitFor();
    problems.push(...(await layoutAtSizes(adminPage, SHOTS, 'admin-sites', 'zh')));

    const page = await (await stack.contextFor(sonographer, { viewport: DESK_AND_PHONE[0] })).newPage();
    await page.goto(stack.web.url);
    const schedule = page.locator('aside form');
    await schedule.locator('button[type="submit"]:not([disabled])').waitFor();
    await schedule.getByRole('radio', { name: 'Remote ultrasound' }).check();
    // Their own hospital scans unless they choose another.
    await expect(schedule.getByLabel('Scanning site').locator('option:checked').innerText()).resolves.toBe(HOSPITAL);
    await schedule.getByLabel('Reviewing centre').selectOption({ label: CENTRE });
    problems.push(...(await layoutAtSizes(page, SHOTS, 'session-form', 'en')));
    await schedule.getByLabel('Title').fill('Thyroid nodule follow-up');
    await schedule.getByLabel('Procedure').fill('Thyroid ultrasound');
    await schedule.getByLabel('Specialty').fill('Ultrasound');
    await schedule.getByLabel('Date and time').fill('2026-12-08T09:30');
    await schedule.getByRole('button', { name: 'Schedule session' }).click();
    await page.locator('article.session', { hasText: 'Thyroid nodule follow-up' }).getByRole('link', { name: 'Details' }).click();

    await page.getByText(`Scanning site: ${HOSPITAL}`).waitFor();
    await page.getByText(`Reviewing centre: ${CENTRE}`).waitFor();
    await page.getByText('Remote ultrasound').first().waitFor();
    await expect(page.getByRole('radio', { name: /^Scan room/ }).count()).resolves.toBe(1);
    await expect(page.getByRole('radio', { name: /^Theatre/ }).count()).resolves.toBe(0);
    problems.push(...(await layoutAtSizes(page, SHOTS, 'ultrasound-session', 'en')));
    await inChinese(page);
    await page.getByText(`扫查站点：${HOSPITAL}`).waitFor();
    await expect(page.getByRole('radio', { name: /^扫查室/ }).count()).resolves.toBe(1);
    problems.push(...(await layoutAtSizes(page, SHOTS, 'ultrasound-session', 'zh')));
    await page.goto(stack.web.url);
    problems.push(...(await layoutAtSizes(page, SHOTS, 'session-form', 'zh')));

    // The library and the audit log filter by site, from a menu of the sites.
    await adminPage.context().addCookies([{ name: 'loupe_locale', value: 'en', url: stack.web.url }]);
    await adminPage.goto(`${stack.web.url}/cases`);
    await adminPage.getByLabel('Site').selectOption({ label: HOSPITAL });
    await adminPage.waitForURL(/\/cases\?site=/);
    problems.push(...(await layoutAtSizes(adminPage, SHOTS, 'library', 'en')));
    await adminPage.goto(`${stack.web.url}/admin/audit`);
    await adminPage.getByLabel('Site').selectOption({ label: HOSPITAL });
    await adminPage.getByRole('button', { name: 'Filter' }).click();
    await adminPage.waitForURL(/\/admin\/audit\?.*site=/);
    const rows = adminPage.locator('tbody tr');
    await rows.first().waitFor();
    // The hospital's own entries and its sonographer's, not the centre's rename.
    await expect(rows.filter({ has: adminPage.getByText("Person's site changed", { exact: true }) }).count()).resolves.toBe(1);
    await expect(rows.filter({ has: adminPage.getByText('Site changed', { exact: true }) }).count()).resolves.toBe(0);
    problems.push(...(await layoutAtSizes(adminPage, SHOTS, 'audit', 'en')));
    expect(problems).toEqual([]);
  });
});
