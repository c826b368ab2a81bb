/**
 * A Chromium whose network can be cut, for real, while every other client keeps theirs.
 *
 * Everything in this test runs on loopback, so the cut is made by what sends the packets: this
 * Chromium runs under a group of its own, iptables marks every connection it takes part in
 * (WebRTC over UDP, the signalling WebSocket, HTTP), and cutting drops every packet of those
 * connections, both ways, as a dead link would: no error, no reset, just silence. Needs root
 * and iptables (scripts/setup.sh installs it).
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM_BIN, launchChromium } from '@loupe/stack';

const run = promisify(execFile);

export type CuttableChromium = {
  browser: Browser;
  /** Drops every packet to and from this Chromium; resolves once the rule is in place. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Closes Chromium and removes every rule. */
  stop(): Promise<void>;
};

export async function launchCuttableChromium(): Promise<CuttableChromium> {
  // A group no account has, different for each test process on this machine.
  const gid = 60_000 + (process.pid % 5_000);
  const mark = `0x${gid.toString(16)}`;
  const chain = `LOUPE_CUT_${gid}`;
  const iptables = (...args: string[]) => run('iptables', ['-w', ...args]);
  const drop = ['-m', 'connmark', '--mark', mark, '-j', 'DROP'];

  const dir = await mkdtemp(join(tmpdir(), 'loupe-cut-'));
  const wrapper = join(dir, 'chromium');
  await writeFile(wrapper, `#!/bin/sh\nexec setpriv --regid=${gid} --clear-groups ${CHROMIUM_BIN} "$@"\n`);
  await chmod(wrapper, 0o755);

  const removeRules = async () => {
    await iptables('-D', 'OUTPUT', '-j', chain).catch(() => undefined);
    await iptables('-F', chain).catch(() => undefined);
    await iptables('-X', chain).catch(() => undefined);
  };
  await removeRules();
  await iptables('-N', chain);
  // Loopback packets cross OUTPUT once, whichever side sends them: marking the connection on
  // this Chromium's packets lets the drop catch the packets sent to it as well.
  await iptables('-A', chain, '-m', 'owner', '--gid-owner', String(gid), '-j', 'CONNMARK', '--set-mark', mark);
  await iptables('-I', 'OUTPUT', '-j', chain);

  let browser: Browser;
  try {
    browser = await launchChromium({ executablePath: wrapper });
  } catch (err) {
    await removeRules();
    throw err;
  }
  let isCut = false;
  return {
    browser,
    async cut() {
      await iptables('-A', chain, ...drop);
      isCut = true;
    },
    async restore() {
      if (!isCut) return;
      await iptables('-D', chain, ...drop);
      isCut = false;
    },
    async stop() {
      await browser.close().catch(() => undefined);
      await removeRules();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A cuttable Chromium for a test file: launched before its tests, stopped after them. */
export function useCuttableChromium(ready: (chromium: CuttableChromium) => void): void {
  let chromium: CuttableChromium | undefined;
  beforeAll(async () => {
    chromium = await launchCuttableChromium();
    ready(chromium);
  });
  afterAll(() => chromium?.stop());
}
