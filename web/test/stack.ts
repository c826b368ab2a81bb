/**
 * The stack a browser test runs against: real livekit-server, the api and the built web app
 * as their own processes, a temporary libSQL file, and Debian's Chromium.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createUser, migrateDb, openDb } from '@loupe/api';
import type { GlobalRole, User } from '@loupe/protocol';
import {
  ROOT,
  buildWebIfStale,
  launchChromium,
  startApiProcess,
  startLiveKit,
  startWebProcess,
  type ChromiumOptions,
} from '@loupe/stack';

export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

export async function startBrowserStack(chromium: ChromiumOptions = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  const dbUrl = `file:${join(dir, 'loupe.db')}`;
  const { db, client } = await openDb(dbUrl);
  await migrateDb(db);
  await buildWebIfStale();
  const livekit = await startLiveKit();
  const api = await startApiProcess({ livekit, dbUrl });
  const web = await startWebProcess({ apiUrl: api.url });
  const browser: Browser = await launchChromium(chromium);
  await mkdir(SCREENSHOTS, { recursive: true });

  let counter = 0;
  return {
    livekit,
    api,
    web,
    browser,
    /** An account created straight in the database, with its password. */
    async account(role: GlobalRole, name: string): Promise<User & { password: string }> {
      const password = `long enough passphrase ${++counter}`;
      const user = await createUser(db, { email: `${role}${counter}@hospital.test`, name, role, password });
      return { ...user, password };
    },
    async signIn(page: Page, who: { email: string; password: string }) {
      await page.goto(`${web.url}/login`);
      await page.getByLabel(/email|电子邮箱/i).fill(who.email);
      await page.getByLabel(/password|密码/i).fill(who.password);
      await page.getByRole('button', { name: /sign in|登录/i }).click();
      await page.waitForURL(`${web.url}/`);
    },
    async stop() {
      await browser.close();
      await web.stop();
      await api.stop();
      await livekit.stop();
      client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type BrowserStack = Awaited<ReturnType<typeof startBrowserStack>>;
