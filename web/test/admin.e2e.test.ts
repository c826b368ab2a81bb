import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, startBrowserStack, type BrowserStack } from './stack.ts';

let stack: BrowserStack;
beforeAll(async () => {
  stack = await startBrowserStack();
});
afterAll(() => stack?.stop());

describe('the audit log page, in Chromium', () => {
  it('an administrator sees their own sign-in and the chain verified, and filters by action', async () => {
    const admin = await stack.account('admin', 'Dr. Lin Wei');
    const mentor = await stack.account('mentor', 'Prof. Zhang Min');
    const session = await stack.liveSession(admin, [{ email: mentor.email, role: 'mentor' }]);
    await stack.tokenFor(session.id, mentor);
    const wrong = await fetch(`${stack.api.url}/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: mentor.email, password: 'not my password' }),
    });
    expect(wrong.status).toBe(401);

    const context = await stack.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await stack.signIn(page, admin);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(`${stack.web.url}/admin/audit`);

    const rows = page.locator('tbody tr');
    await expect(rows.first().innerText()).resolves.toMatch(/Dr\. Lin Wei[\s\S]*Signed in/);
    const total = /Entries: (\d+)/.exec(await page.getByText(/^Entries: \d+$/).innerText())![1];
    await expect(page.getByRole('status').innerText()).resolves.toMatch(new RegExp(`^Chain verified: ${total} entries`));
    const token = page.locator('tr[data-action="session.token"]');
    await expect(token.innerText()).resolves.toMatch(/Prof\. Zhang Min[\s\S]*Joining live session[\s\S]*Laparoscopic cholecystectomy[\s\S]*Mentor/);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-log.png'), fullPage: true });

    await page.getByLabel('Action').selectOption('auth.sign_in_failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=auth\.sign_in_failed/);
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().innerText()).resolves.toMatch(new RegExp(`${mentor.email}[\\s\\S]*Sign-in failed[\\s\\S]*wrong password`));
    // The filter stays chosen after the reload.
    await expect(page.getByLabel('Action').inputValue()).resolves.toBe('auth.sign_in_failed');

    await page.getByLabel('Action').selectOption('session');
    await page.getByLabel('Person').selectOption({ label: 'Prof. Zhang Min' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=session&actor=/);
    await expect(rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))).resolves.toEqual(['session.token']);

    await page.getByLabel('Language').selectOption('zh');
    await page.getByRole('heading', { name: '审计日志' }).waitFor();
    await expect(rows.first().innerText()).resolves.toMatch(/加入实时会话[\s\S]*指导专家/);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-log-zh.png') });
    expect(stack.policyViolations).toEqual([]);
    await context.close();
  });

  it('someone who is not an administrator has no link to it and is refused the page', async () => {
    const mentor = await stack.account('mentor', 'Prof. Wu');
    const context = await stack.contextFor(mentor);
    const page = await context.newPage();
    await page.goto(stack.web.url);
    await page.getByRole('link', { name: 'Library' }).waitFor();
    await expect(page.getByRole('link', { name: 'Audit log' }).count()).resolves.toBe(0);
    const res = await page.goto(`${stack.web.url}/admin/audit`);
    expect(res?.status()).toBe(403);
    await expect(page.getByText('You are not allowed to do this.').isVisible()).resolves.toBe(true);
    await context.close();
  });

  it('says so in red when an entry was changed behind Loupe’s back', async () => {
    const admin = await stack.account('admin', 'Dr. Auditor');
    // What someone with the database file could do: drop the guard and rewrite a line of history.
    await stack.query('DROP TRIGGER audit_log_no_update');
    await stack.query(`UPDATE audit_log SET actor_label = 'Nobody' WHERE seq = 2`);
    const context = await stack.contextFor(admin, { viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/admin/audit`);
    await expect(page.getByRole('alert').innerText()).resolves.toBe(
      'The audit log has been tampered with: entry #2 was changed or removed outside Loupe. The entries before it are intact.',
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-log-tampered.png') });
    await context.close();
  });

  it('says so in red when entries were cut off the end, which the chain alone cannot show', async () => {
    const admin = await stack.account('admin', 'Dr. Keeper');
    const context = await stack.contextFor(admin, { viewport: { width: 1440, height: 900 } });
    // The api anchors the head as it starts, outside the database.
    await stack.api.restart();
    const [{ seq: head }] = (await stack.query('SELECT max(seq) AS seq FROM audit_log')) as [{ seq: number }];
    const anchored = async () => (await readFile(stack.auditAnchorFile, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
    await expect.poll(async () => (await anchored()).map((l) => JSON.parse(l).seq), { timeout: 10_000 }).toContain(head);
    const line = (await anchored()).length;

    await stack.query('DROP TRIGGER audit_log_no_delete');
    await stack.query('DELETE FROM audit_log WHERE seq > ?', [head - 3]);
    const page = await context.newPage();
    await page.goto(`${stack.web.url}/admin/audit`);
    const alert = page.getByRole('alert').filter({ hasText: 'cut short' });
    await expect(alert.innerText()).resolves.toMatch(
      new RegExp(
        `^The audit log has been cut short outside Loupe: it no longer reaches entry #${head}, whose seal was copied outside the database on .+ \\(anchor file, line ${line}\\)\\.$`,
      ),
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-log-cut-short.png') });
    await context.close();
  });
});
