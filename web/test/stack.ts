/**
 * The stack a browser test runs against: real livekit-server, the api and the built web app
 * as their own processes, a temporary libSQL file, and Debian's Chromium.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { createUser, migrateDb, openDb } from '@loupe/api';
import type { GlobalRole, LiveSession, SessionKind, SessionRole, User } from '@loupe/protocol';
import {
  ROOT,
  buildWebIfStale,
  freePort,
  launchChromium,
  startApiProcess,
  startCluster,
  startLiveKit,
  startRecorderProcess,
  startWebProcess,
  type ChromiumOptions,
  type Cluster,
  type LiveKit,
  type RunningApi,
  type RunningApp,
} from '@loupe/stack';
import { apiClient, unwrap } from '../src/lib/api/client.ts';
import { watchPolicyViolations, type PolicyViolation } from './policy-violations.ts';

export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

/**
 * `cluster`: the stack as `make cluster` runs it (stack/src/cluster.ts): Redis, two
 * livekit-server nodes, two api processes and two recorders; the web app talks to the first api.
 */
export async function startBrowserStack(chromium: ChromiumOptions = {}, options: { cluster?: boolean; apiEnv?: Record<string, string> } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  const dbUrl = `file:${join(dir, 'loupe.db')}`;
  const { db, client } = await openDb(dbUrl);
  await migrateDb(db);
  await buildWebIfStale();
  // livekit-server posts its webhooks to the api, as `make start` wires them.
  const apiPort = await freePort();
  const recorderToken = randomBytes(32).toString('hex');
  const mediaDir = join(dir, 'media');
  const auditAnchorFile = join(dir, 'audit-anchor.jsonl');
  // Monitors send vital signs to the api's HL7 listener (web/test/vitals.e2e.test.ts).
  const hl7Port = await freePort();
  const apiEnv = {
    LOUPE_RECORDER_TOKEN: recorderToken,
    LOUPE_MEDIA_DIR: mediaDir,
    LOUPE_AUDIT_ANCHOR_FILE: auditAnchorFile,
    LOUPE_HL7_PORT: String(hl7Port),
    ...options.apiEnv,
  };
  // What started is stopped again if a later step fails: a half-started stack must leave no
  // livekit-server or api behind to load the machine for the tests that follow.
  const stops: (() => Promise<unknown>)[] = [];
  const started = <T extends { stop(): Promise<unknown> }>(app: Promise<T>) => app.then((a) => (stops.push(() => a.stop()), a));
  let livekit: LiveKit, api: RunningApi, recorder: RunningApp, web: RunningApp, browser: Browser;
  let cluster: Cluster | null = null;
  // Chromium starts while the servers do (each takes seconds; a browser test file waited for
  // them one after the other).
  const launching = launchChromium(chromium);
  launching.catch(() => undefined);
  try {
    if (options.cluster) {
      // Two api processes cannot both listen for HL7: the cluster runs without it.
      const { LOUPE_HL7_PORT: _hl7, ...clusterEnv } = apiEnv;
      cluster = await started(startCluster({ dbUrl, mediaDir, recorderToken, apiEnv: clusterEnv }));
      [livekit, api, recorder] = [cluster.nodes[0]!, cluster.apis[0]!, cluster.recorders[0]!];
      web = await started(startWebProcess({ apiUrl: api.url, livekit, env: { LOUPE_LIVEKIT_URLS: cluster.livekitUrls.join(',') } }));
    } else {
      livekit = await started(startLiveKit({ webhookUrls: [`http://127.0.0.1:${apiPort}/webhooks/livekit`] }));
      api = await started(startApiProcess({ livekit, dbUrl, port: apiPort, env: apiEnv }));
      const recorderStarting = started(startRecorderProcess({ livekit, apiUrl: api.url, recorderToken, mediaDir }));
      const webStarting = started(startWebProcess({ apiUrl: api.url, livekit }));
      // Both done (and each to be stopped if it started) before either's failure is thrown.
      await Promise.allSettled([recorderStarting, webStarting]);
      [recorder, web] = [await recorderStarting, await webStarting];
    }
    browser = await launching;
  } catch (err) {
    await launching.then((b) => b.close()).catch(() => undefined);
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    client.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  await mkdir(SCREENSHOTS, { recursive: true });

  let counter = 0;
  /** The host's cookie for each session made by `liveSession`, for `invite`. */
  const hostCookies = new Map<string, string>();
  let ultrasoundSites: Promise<{ siteId: string; reviewSiteId: string }> | undefined;
  const policyViolations: PolicyViolation[] = [];
  return {
    livekit,
    api,
    web,
    browser,
    /** With `cluster`: Redis, both nodes, both apis and recorders. */
    cluster,
    mediaDir,
    /** The api's HL7 (MLLP) listener, on 127.0.0.1. */
    hl7Port,
    /** Where the api copies the audit log's head, outside the database. */
    auditAnchorFile,
    /** What the pages of every context made by `newContext` tried and the CSP refused. */
    policyViolations,
    /** A browser context whose policy violations are recorded in `policyViolations`. */
    async newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
      const context = await browser.newContext({ locale: 'en-GB', ...options });
      await watchPolicyViolations(context, policyViolations);
      return context;
    },
    /** The api's database, for test data written straight in (api/test/qc-sample.ts). */
    db,
    /** Rows of a query on the api's database, for what the api keeps but shows nobody (webhook events). */
    async query(sql: string, args: (string | number | null)[] = []): Promise<Record<string, unknown>[]> {
      return (await client.execute({ sql, args })).rows as unknown as Record<string, unknown>[];
    },
    /** An account created straight in the database, with its password. */
    async account(role: GlobalRole, name: string): Promise<User & { password: string }> {
      const password = `long enough passphrase ${++counter}`;
      const user = await createUser(db, { email: `${role}${counter}@hospital.test`, name, role, password });
      return { ...user, password };
    },
    /** The api's typed client, as the web uses it, signed in with `cookie` (`loupe_session=…`). */
    as(cookie: string) {
      return apiClient(api.url, fetch, { cookie });
    },
    /** The api's typed client signed in as `who`. */
    async asPerson(who: { email: string; password: string }) {
      return this.as(`loupe_session=${await this.cookieFor(who)}`);
    },
    /** Signs in over HTTP and returns the session cookie's value. */
    async cookieFor(who: { email: string; password: string }): Promise<string> {
      const res = await fetch(`${api.url}/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: who.email, password: who.password }),
      });
      if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
      return /loupe_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
    },
    /** A browser context already signed in as `who`. */
    async contextFor(who: { email: string; password: string }, options: BrowserContextOptions = {}): Promise<BrowserContext> {
      const context = await this.newContext(options);
      await context.addCookies([{ name: 'loupe_session', value: await this.cookieFor(who), url: web.url }]);
      return context;
    },
    /** A scanning hospital and a reviewing centre, made once by an admin, for the ultrasound sessions that need them. */
    sitesForUltrasound() {
      ultrasoundSites ??= (async () => {
        const admin = await this.asPerson(await this.account('admin', 'Stack admin'));
        const site = (name: string, kind: 'hospital' | 'centre') => unwrap(admin.sites.$post({ json: { name, kind, parentId: null, dicomwebUrl: null } }));
        return { siteId: (await site('Stack county hospital', 'hospital')).id, reviewSiteId: (await site('Stack ultrasound centre', 'centre')).id };
      })();
      return ultrasoundSites;
    },
    /** A live session hosted by `host`, with `members` invited in their roles, started unless `start` is false. */
    async liveSession(
      host: { email: string; password: string },
      members: { email: string; role: SessionRole }[],
      { start = true, kind = 'surgery' }: { start?: boolean; kind?: SessionKind } = {},
    ): Promise<LiveSession> {
      const cookie = `loupe_session=${await this.cookieFor(host)}`;
      const sessions = this.as(cookie).sessions;
      const session = await unwrap(
        sessions.$post({
          json:
            kind === 'ultrasound'
              ? {
                  title: 'Trauma scan, bay 2',
                  procedure: 'eFAST',
                  specialty: 'Emergency ultrasound',
                  scheduledAt: new Date().toISOString(),
                  kind,
                  ...(await this.sitesForUltrasound()),
                }
              : { title: 'Laparoscopic cholecystectomy', procedure: 'Cholecystectomy', specialty: 'General surgery', scheduledAt: new Date().toISOString() },
        }),
      );
      hostCookies.set(session.id, cookie);
      const param = { id: session.id };
      let invited: LiveSession = session;
      for (const m of members) invited = await unwrap(sessions[':id'].members.$post({ param, json: m }));
      return start ? unwrap(sessions[':id'].start.$post({ param })) : invited;
    },
    /** Invites someone into a session made by `liveSession`, as its host. */
    async invite(sessionId: string, email: string, role: SessionRole) {
      const host = hostCookies.get(sessionId);
      if (!host) throw new Error(`session ${sessionId} was not made by liveSession`);
      await unwrap(this.as(host).sessions[':id'].members.$post({ param: { id: sessionId }, json: { email, role } }));
    },
    /** A LiveKit token from the api, as `who`. */
    async tokenFor(sessionId: string, who: { email: string; password: string }): Promise<{ token: string; url: string }> {
      return unwrap((await this.asPerson(who)).sessions[':id'].token.$post({ param: { id: sessionId }, query: {} }));
    },
    /** The session's latest recording once the recorder has finished it (ready or failed). */
    async recordingOf(sessionId: string, who: { email: string; password: string }) {
      const current = (await this.asPerson(who)).sessions[':id'].recording;
      // A poll of its own, not expect.poll: that runs only inside a test, and a file's beforeAll
      // records a case with this too.
      for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
        const recording = await unwrap(current.$get({ param: { id: sessionId } }));
        if (recording.status === 'ready' || recording.status === 'failed') return recording;
        if (Date.now() > deadline) throw new Error(`the recording was never finished: ${recording.status} after 60 s`);
      }
    },
    async signIn(page: Page, who: { email: string; password: string }) {
      await page.goto(`${web.url}/login`);
      await page.getByLabel(/email|电子邮箱/i).fill(who.email);
      await page.getByLabel(/password|密码/i).fill(who.password);
      await page.getByRole('button', { name: /sign in|登录/i }).click();
      await page.waitForURL(`${web.url}/`);
    },
    async stop() {
      // Chromium takes seconds to close: the servers stop meanwhile.
      const closing = browser.close();
      await web.stop();
      if (cluster) {
        await cluster.stop();
      } else {
        await recorder.stop();
        await api.stop();
        await livekit.stop();
      }
      await closing;
      client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type BrowserStack = Awaited<ReturnType<typeof startBrowserStack>>;
