/**
 * Vitals latency: a monitor's ORU^R01 sent over MLLP → its heart rate shown on theatre's page
 * (the real api's HL7 listener, its hub, livekit-server, the web app's monitor strip in Chromium).
 * The monitor is stack's simulator over real TCP; the page's MutationObserver notes when the
 * number changes to the one sent. Node and Chromium run on one machine: one wall clock.
 *
 * Baseline: a bare data packet of the same size, sent by the api's own LiveKit server client
 * (livekitRooms.sendVitals, straight from Node: no HL7, no parsing, no database) → its arrival on
 * the page's data channel (a probe installed before the app). What Loupe adds on top of moving
 * the bytes through LiveKit counts against the goal: ≤ 1 s (issue 16), and reported beside it.
 */
import type { Page } from 'playwright-core';
import { livekitRooms } from '@loupe/api';
import { VITALS_VERSION } from '@loupe/protocol';
import { MonitorSimulator } from '@loupe/stack';
import { unwrap } from '../../web/src/lib/api/client.ts';
import { withLiveTheatre } from './live-scene.ts';
import { percentiles } from './stats.ts';

const SAMPLES = 60;

/** In theatre's page before the app: when each bare packet (marked `"bench":i`) arrives on a data channel. */
function bareProbe() {
  const w = window as unknown as { __bare: Record<string, number> };
  w.__bare = {};
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, ...args: Parameters<typeof create>) {
    const channel = create.apply(this, args);
    channel.addEventListener('message', ({ data }) => {
      const at = performance.timeOrigin + performance.now();
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : null;
      const id = bytes && /"bench":(\d+)/.exec(new TextDecoder().decode(bytes))?.[1];
      if (id && !(id in w.__bare)) w.__bare[id] = at;
    });
    return channel;
  };
}

/**
 * Starts watching for the strip's heart rate to read `value`, and resolves once the watch is in
 * place (before the message is sent: a watch installed after a fast answer would wait forever);
 * `window.__shown` then resolves with the wall time it first reads so.
 */
async function watchShown(page: Page, value: string): Promise<void> {
  await page.evaluate((want) => {
    const w = window as unknown as { __shown: Promise<number> };
    w.__shown = new Promise<number>((resolve) => {
      const read = () => document.querySelector('[data-testid="vital-hr-value"]')?.textContent;
      const observer = new MutationObserver(() => {
        if (read() !== want) return;
        observer.disconnect();
        resolve(performance.timeOrigin + performance.now());
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  }, value);
}

export async function measureVitalsLatency() {
  return withLiveTheatre({ viewport: { width: 1920, height: 1080 }, beforeLoad: bareProbe }, async ({ stack, sessionId, host, theatre }) => {
    const bed = `BENCH-${sessionId.slice(0, 8)}^^1`;
    await unwrap((await stack.asPerson(host)).sessions[':id']['vitals-source'].$post({ param: { id: sessionId }, json: { deviceId: bed } }));
    const monitor = new MonitorSimulator({ host: '127.0.0.1', port: stack.hl7Port, bed });
    const rooms = livekitRooms(stack.livekit.httpUrl, stack.livekit.apiKey, stack.livekit.apiSecret);
    try {
      // The strip appears with the first message; the samples start after it.
      await monitor.send({ hr: 59 });
      await theatre.waitForFunction(() => document.querySelector('[data-testid="vital-hr-value"]')?.textContent === '59', null, { timeout: 20_000 });
      const shown: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const hr = 60 + (i % 2 ? 40 : 0) + (i % 20); // never the previous value
        await watchShown(theatre, String(hr));
        const sent = Date.now();
        const answer = await monitor.send({ hr });
        if (answer.ack !== 'AA') throw new Error(`the api answered ${answer.ack}: ${answer.reason}`);
        shown.push((await theatre.evaluate(() => (window as unknown as { __shown: Promise<number> }).__shown)) - sent);

        // The same bytes' worth of packet, bare, from Node through livekit-server to the page. It
        // carries the message's own observation time (HL7 gives whole seconds): a later one would
        // make the page take the next message as arriving out of order, and keep this number.
        const bareSent = Date.now();
        const t = Math.floor(answer.at.getTime() / 1000) * 1000;
        await rooms.sendVitals(sessionId, { v: VITALS_VERSION, t, values: answer.values, bench: i } as never);
        await theatre.waitForFunction((id) => id in (window as unknown as { __bare: Record<string, number> }).__bare, String(i), {
          timeout: 10_000,
          polling: 20,
        });
        bare.push((await theatre.evaluate((id) => (window as unknown as { __bare: Record<string, number> }).__bare[id]!, String(i))) - bareSent);
      }
      const vitals = percentiles(shown);
      const baseline = percentiles(bare);
      return {
        message_to_shown_ms: vitals,
        baseline_p95: baseline.p95,
        detail: { baseline_bare_packet_ms: baseline },
        goal: 'p95 <= 1000 ms (issue 16: every screen at most 1 s after the message arrives); baseline reported beside it',
        met: vitals.p95 <= 1000,
      };
    } finally {
      monitor.stop();
    }
  });
}
