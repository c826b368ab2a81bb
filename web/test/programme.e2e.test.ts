/**
 * The pages that run the ultrasound programme, in Chromium: a QC lead writes a scan protocol
 * and, once an exam ran on it, can no longer correct version 1 but saves version 2; an
 * administrator finds a still the PACS refused, with the PACS's reason, and retries it.
 * Screenshots at a wide monitor and a phone, in both languages, go to
 * test-results/screenshots/programme/; each must lay out without problems.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { stillFile } from '@loupe/protocol';
import { unwrap } from '../src/lib/api/client.ts';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';
import { DESK_AND_PHONE, layoutAtSizes, layoutProblems, settled } from './layout-check.ts';

const SHOTS = join(SCREENSHOTS, 'programme');

let stack: BrowserStack;
beforeAll(async () => {
  stack = await startBrowserStack();
  await mkdir(SHOTS, { recursive: true });
});
afterAll(() => stack?.stop());
afterEach(() => expect(stack.policyViolations.splice(0)).toEqual([]));

async function inLanguage(page: Page, lang: 'en' | 'zh') {
  await page.context().addCookies([{ name: 'loupe_locale', value: lang, url: stack.web.url }]);
  await page.reload();
  await settled(page);
}

async function fillView(view: Locator, v: { en: string; zh: string; accEn: string; accZh: string }) {
  await view.getByLabel('View name (English)').fill(v.en);
  await view.getByLabel('View name (Chinese)').fill(v.zh);
  await view.getByLabel('What the image must show (English)').fill(v.accEn);
  await view.getByLabel('What the image must show (Chinese)').fill(v.accZh);
}

const shownViews = (page: Page) => page.locator('ol.views li[data-view]').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-view')));

describe('the ultrasound programme pages, in Chromium', () => {
  it('a QC lead creates a protocol, and saves version 2 once an exam ran on version 1', async () => {
    const lead = await stack.account('qc_lead', 'Dr. Chen Jing');
    const mentor = await stack.account('mentor', 'Dr. Wang Fang');
    const page = await (await stack.contextFor(lead, { viewport: DESK_AND_PHONE[0] })).newPage();
    await page.goto(stack.web.url);
    await page.getByRole('link', { name: 'Protocols' }).click();
    await page.waitForURL(`${stack.web.url}/protocols`);
    // The five built-in protocols, each marked so.
    await expect(page.locator('li[data-protocol]', { hasText: 'Built in' }).count()).resolves.toBe(5);
    const problems = await layoutAtSizes(page, SHOTS, 'protocols', 'en');

    await page.getByRole('link', { name: 'New protocol' }).click();
    await page.waitForURL(`${stack.web.url}/protocols/new`);
    await page.locator('button[type="submit"]:not([disabled])').waitFor();
    await page.getByLabel('Name (English)', { exact: true }).fill('Carotid duplex');
    await page.getByLabel('Name (Chinese)', { exact: true }).fill('颈动脉双功能超声');
    // The key follows the English name until typed by hand.
    await expect(page.getByLabel('Key', { exact: true }).inputValue()).resolves.toBe('carotid_duplex');
    await page.getByLabel('Exam type').selectOption({ label: 'Other' });
    await page.getByLabel('Source').fill('Grant EG et al. Carotid artery stenosis: SRU consensus conference. Radiology 2003;229:340–346');
    const views = page.locator('fieldset[data-view-index]');
    await fillView(views.nth(0), { en: 'Left ICA, longitudinal', zh: '左侧颈内动脉长轴', accEn: 'Bulb and ICA origin with spectral Doppler', accZh: '' });
    await page.getByRole('button', { name: 'Add view' }).click();
    await fillView(views.nth(1), {
      en: 'Right ICA, longitudinal',
      zh: '右侧颈内动脉长轴',
      accEn: 'Bulb and ICA origin with spectral Doppler',
      accZh: '显示颈动脉球部及颈内动脉起始段频谱多普勒',
    });
    await views.nth(1).getByLabel('Required', { exact: true }).uncheck();
    await views.nth(1).getByLabel('Min. images').fill('0');
    await views.nth(1).getByLabel('Max. images').fill('2');

    // Checked in the page by ProtocolBody before anything is sent: the missing Chinese text is named.
    await page.getByRole('button', { name: 'Create protocol' }).click();
    await views.nth(0).getByText('Required, up to 400 characters.').waitFor();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('Some fields need attention: see the red notes above.');
    expect(page.url()).toBe(`${stack.web.url}/protocols/new`);
    problems.push(...(await layoutAtSizes(page, SHOTS, 'protocol-new', 'en')));
    await views.nth(0).getByLabel('What the image must show (Chinese)').fill('显示颈动脉球部及颈内动脉起始段频谱多普勒');
    // The right side first.
    await page.getByRole('button', { name: 'Move Right ICA, longitudinal up' }).click();
    await page.getByRole('button', { name: 'Create protocol' }).click();
    await page.waitForURL(`${stack.web.url}/protocols/carotid_duplex?version=1`);
    await expect(shownViews(page)).resolves.toEqual(['right_ica_longitudinal', 'left_ica_longitudinal']);
    await expect(page.getByTestId('version-state').innerText()).resolves.toBe('No exam has used this version yet: it may still be corrected.');
    // Creating it again is refused in the reader's words (the api's 409 protocol_exists).
    await page.goto(`${stack.web.url}/protocols/new`);
    await page.locator('button[type="submit"]:not([disabled])').waitFor();
    await page.getByLabel('Name (English)', { exact: true }).fill('Carotid duplex');
    await page.getByLabel('Name (Chinese)', { exact: true }).fill('颈动脉');
    await page.getByLabel('Source').fill('SRU 2003');
    await fillView(views.nth(0), { en: 'Left ICA', zh: '左侧颈内动脉', accEn: 'Bulb', accZh: '球部' });
    await page.getByRole('button', { name: 'Create protocol' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('A protocol with this key exists already; save a new version of it instead.');

    // The editor of version 1, opened before an exam runs on it…
    await page.goto(`${stack.web.url}/protocols/carotid_duplex?version=1`);
    problems.push(...(await layoutAtSizes(page, SHOTS, 'protocol', 'en')));
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(/\/protocols\/carotid_duplex\/edit\?from=1$/);
    await page.locator('button[type="submit"]:not([disabled])').waitFor();
    const correct = page.getByRole('button', { name: 'Save changes to version 1' });
    await correct.waitFor();

    // …then a session member starts an exam on it, through the api.
    const session = await stack.liveSession(mentor, [], { kind: 'ultrasound' });
    const exam = await unwrap(
      (await stack.asPerson(mentor)).sessions[':id'].exams.$post({ param: { id: session.id }, json: { protocolKey: 'carotid_duplex' } }),
    );
    expect(exam.protocolVersion).toBe(1);

    await page.getByRole('button', { name: 'Add view' }).click();
    await fillView(views.nth(2), {
      en: 'Vertebral artery',
      zh: '椎动脉',
      accEn: 'Flow direction in the vertebral artery',
      accZh: '显示椎动脉血流方向',
    });
    await views.nth(2).getByLabel('Required', { exact: true }).uncheck();
    await views.nth(2).getByLabel('Min. images').fill('0');
    await correct.click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe(
      'Exams have run on this protocol version, so it cannot change; save a new version instead.',
    );
    await page.getByRole('button', { name: 'Save as new version (2)' }).click();
    await page.waitForURL(`${stack.web.url}/protocols/carotid_duplex?version=2`);
    await expect(shownViews(page)).resolves.toEqual(['right_ica_longitudinal', 'left_ica_longitudinal', 'vertebral_artery']);
    const v1 = page.getByRole('link', { name: /^Version 1/ });
    await expect(v1.innerText()).resolves.toContain('In use');

    // Version 1 now says it cannot change, and offers only a new version.
    await page.goto(`${stack.web.url}/protocols/carotid_duplex/edit?from=1`);
    await expect(page.getByTestId('fixed-version').innerText()).resolves.toBe('Exams ran on version 1: it cannot change. Saving makes version 3.');
    await expect(page.getByRole('button', { name: 'Save changes to version 1' }).count()).resolves.toBe(0);
    problems.push(...(await layoutAtSizes(page, SHOTS, 'protocol-edit', 'en')));
    await inLanguage(page, 'zh');
    await page.getByRole('button', { name: '另存为新版本（第 3 版）' }).waitFor();
    problems.push(...(await layoutAtSizes(page, SHOTS, 'protocol-edit', 'zh')));
    await page.goto(`${stack.web.url}/protocols/carotid_duplex`);
    await page.getByRole('heading', { name: '颈动脉双功能超声' }).waitFor();
    problems.push(...(await layoutAtSizes(page, SHOTS, 'protocol', 'zh')));
    await page.goto(`${stack.web.url}/protocols`);
    problems.push(...(await layoutAtSizes(page, SHOTS, 'protocols', 'zh')));

    // A mentor reads the protocols and cannot edit them.
    const reader = await (await stack.contextFor(mentor, { viewport: DESK_AND_PHONE[0] })).newPage();
    await reader.goto(`${stack.web.url}/protocols/carotid_duplex`);
    await reader.getByRole('heading', { name: 'Carotid duplex' }).waitFor();
    await expect(reader.getByRole('link', { name: 'Edit' }).count()).resolves.toBe(0);
    await expect(reader.getByRole('link', { name: 'New protocol' }).count()).resolves.toBe(0);
    expect(problems).toEqual([]);
  });

  it('an administrator sees a still the PACS refused, with its reason, and retries it', async () => {
    const admin = await stack.account('admin', 'Dr. Lin Wei');
    const sonographer = await stack.account('surgeon', 'Dr. Chen Hao');
    const api = await stack.asPerson(admin);
    const hospital = await unwrap(
      api.sites.$post({ json: { name: 'Hengshan County People’s Hospital', kind: 'hospital', parentId: null, dicomwebUrl: null } }),
    );
    const other = await unwrap(api.sites.$post({ json: { name: 'Xiangtan Central Hospital', kind: 'hospital', parentId: null, dicomwebUrl: null } }));
    const session = await stack.liveSession(admin, [{ email: sonographer.email, role: 'theatre' }], { kind: 'ultrasound' });
    const exam = await unwrap(api.sessions[':id'].exams.$post({ param: { id: session.id }, json: { protocolKey: 'efast' } }));
    await stack.query('update exams set site_id = ? where id = ?', [hospital.id, exam.id]);
    const refusal = 'PACS answered 409 Conflict: Failed SOP Instance, reason 0xA900 (dataset does not match SOP class)';
    const people = { sonographer: sonographer.id, reviewer: admin.id };
    const failed = await insertStill(exam, people, { state: 'failed', view: 'ruq', attempts: 3, error: refusal, image: true });
    // Its picture is gone from the media folder: the queue says so instead of a broken image.
    const sent = await insertStill(exam, people, { state: 'sent', view: 'luq', attempts: 1, error: null, image: false });

    const page = await (await stack.contextFor(admin, { viewport: DESK_AND_PHONE[0] })).newPage();
    await page.goto(stack.web.url);
    await page.getByRole('link', { name: 'PACS' }).click();
    await page.waitForURL(`${stack.web.url}/admin/pacs`);
    const failedRow = page.locator(`li[data-still="${failed}"]`);
    await expect(failedRow.getAttribute('data-state')).resolves.toBe('failed');
    await expect(failedRow.getByTestId('pacs-error').innerText()).resolves.toBe(refusal);
    await expect(failedRow.innerText()).resolves.toContain('3 attempts');
    await expect(failedRow.getByTestId('pacs-view').innerText()).resolves.toBe('Right upper quadrant (hepatorenal, Morison’s pouch)');
    await expect(failedRow.innerText()).resolves.toContain("Waits for an administrator's retry");
    await expect.poll(() => failedRow.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(64);
    const sentRow = page.locator(`li[data-still="${sent}"]`);
    await sentRow.getByText('Image not shown').waitFor();
    await expect(sentRow.locator('img').count()).resolves.toBe(0);
    await expect(sentRow.getByRole('button', { name: 'Retry' }).count()).resolves.toBe(0);
    const problems = await layoutAtSizes(page, SHOTS, 'pacs', 'en');

    // Filters by state and by site, in the URL.
    await page.getByLabel('State').selectOption({ label: 'Failed' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/state=failed/);
    await expect(page.locator('li[data-still]').count()).resolves.toBe(1);
    await page.getByLabel('Site').selectOption({ label: other.name });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(new RegExp(`site=${other.id}`));
    await page.getByText('No stills match: nothing is waiting for a PACS.').waitFor();
    await page.goto(`${stack.web.url}/admin/pacs?site=${hospital.id}`);

    await failedRow.getByRole('button', { name: 'Retry' }).click();
    // Queued again, with its attempts reset; the outbox takes it from there.
    await expect.poll(() => failedRow.getAttribute('data-state')).toBe('queued');
    await expect(failedRow.getByText(refusal).count()).resolves.toBe(0);
    await expect(failedRow.getByRole('button', { name: 'Retry' }).count()).resolves.toBe(0);
    const [audit] = await stack.query("select target_id from audit_log where action = 'pacs.retried'");
    expect(audit).toEqual({ target_id: failed });
    await inLanguage(page, 'zh');
    await page.getByRole('heading', { name: 'PACS 发送队列' }).waitFor();
    problems.push(...(await layoutAtSizes(page, SHOTS, 'pacs', 'zh')));

    // A QC lead sees the queue but does not retry.
    await stack.query("update stills set pacs_state = 'failed', pacs_error = ?, pacs_next_at = null where id = ?", [refusal, failed]);
    const lead = await stack.account('qc_lead', 'Dr. Chen Jing');
    const leadPage = await (await stack.contextFor(lead, { viewport: DESK_AND_PHONE[0] })).newPage();
    await leadPage.goto(`${stack.web.url}/admin/pacs`);
    await leadPage.locator(`li[data-still="${failed}"]`).getByText(refusal).waitFor();
    await expect(leadPage.getByRole('button', { name: 'Retry' }).count()).resolves.toBe(0);
    expect(problems).toEqual([]);
  });
});

describe('starting an exam, in Chromium', () => {
  it('a reviewer starts an exam with the patient’s details for the PACS, or de-identified by default', async () => {
    const host = await stack.account('mentor', 'Dr. Zhou Min');
    const reviewer = await stack.account('mentor', 'Dr. Wang Fang');
    const session = await stack.liveSession(host, [{ email: reviewer.email, role: 'mentor' }], { kind: 'ultrasound' });
    const page = await (await stack.contextFor(reviewer, { viewport: DESK_AND_PHONE[0] })).newPage();
    await page.goto(`${stack.web.url}/sessions/${session.id}/mentor`);
    const form = page.getByTestId('exam-start');
    await form.getByTestId('exam-protocol').selectOption('efast');
    const deidentified = form.getByLabel('De-identified for teaching');
    await expect(deidentified.isChecked()).resolves.toBe(true);
    await form.getByText('No patient details are kept; stills go to the PACS without a name.').waitFor();
    await deidentified.uncheck();
    // Name and patient ID are what the DICOM header needs; checked in the page by ExamPatient.
    await form.getByRole('button', { name: 'Start exam' }).click();
    await expect(form.getByText('Required, up to 64 characters.').count()).resolves.toBe(2);
    await form.getByLabel('Name').fill('Wang Xiaoming');
    await form.getByLabel('Patient ID').fill('H2026-004217');
    await form.getByLabel('Birth date').fill('1978-03-14');
    await form.getByLabel('Sex').selectOption({ label: 'Male' });
    await form.getByLabel('Accession no.').fill('ACC-7781');
    for (const size of DESK_AND_PHONE) {
      await page.setViewportSize(size);
      await settled(page);
      // Checked before scrolling: the live page's bars stay put over what scrolls under them.
      expect(await layoutProblems(page)).toEqual([]);
      await form.getByRole('button', { name: 'Start exam' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, `exam-start-en-${size.width}x${size.height}.png`) });
    }
    await page.setViewportSize(DESK_AND_PHONE[0]);
    await form.getByRole('button', { name: 'Start exam' }).click();
    await page.getByTestId('exam-checklist').waitFor();
    const { exams } = await unwrap((await stack.asPerson(reviewer)).sessions[':id'].exams.$get({ param: { id: session.id } }));
    expect(exams.map((e) => e.deidentified)).toEqual([false]);
    const [row] = await stack.query('select patient from exams where id = ?', [exams[0]!.id]);
    expect(JSON.parse(String(row!.patient))).toEqual({
      name: 'Wang Xiaoming',
      id: 'H2026-004217',
      birthDate: '1978-03-14',
      sex: 'M',
      accessionNumber: 'ACC-7781',
    });
  });
});

/** An accepted still straight in the database, with a 64×36 grey PNG in the media folder if `image`. */
async function insertStill(
  exam: { id: string; sessionId: string },
  people: { sonographer: string; reviewer: string },
  s: { state: 'failed' | 'sent'; view: string; attempts: number; error: string | null; image: boolean },
): Promise<string> {
  const id = crypto.randomUUID();
  const png = new PNG({ width: 64, height: 36 });
  png.data.fill(90);
  const bytes = PNG.sync.write(png);
  if (s.image) {
    await mkdir(join(stack.mediaDir, 'stills'), { recursive: true });
    await writeFile(join(stack.mediaDir, stillFile(id)), bytes);
  }
  const now = Date.now();
  await stack.query(
    `insert into stills (id, session_id, exam_id, view_key, kind, sha256, width, height, bytes, captured_by, captured_at, verdict, score,
       verdict_by, verdict_at, sop_instance_uid, pacs_state, pacs_attempts, pacs_error, pacs_sent_at)
     values (?, ?, ?, ?, 'capture', ?, 64, 36, ?, ?, ?, 'accepted', 4, ?, ?, ?, ?, ?, ?, ?)`,
    [
      id,
      exam.sessionId,
      exam.id,
      s.view,
      createHash('sha256').update(bytes).digest('hex'),
      bytes.length,
      people.sonographer,
      now - 60_000,
      people.reviewer,
      now - 30_000,
      `2.25.${BigInt(`0x${id.replaceAll('-', '')}`)}`,
      s.state,
      s.attempts,
      s.error,
      s.state === 'sent' ? now : null,
    ],
  );
  return id;
}
