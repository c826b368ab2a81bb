import { describe, expect, it } from 'vitest';
import { LinkWatch } from './link-watch.ts';

/** A watch over a byte count the test sets, on a clock the test moves. */
function watched() {
  let bytes: number | null = 0;
  let now = 0;
  const changes: boolean[] = [];
  const watch = new LinkWatch({ bytesReceived: async () => bytes, onChange: (s) => changes.push(s), now: () => now });
  return {
    watch,
    changes,
    /** Moves the clock, sets the byte count, takes one sample. */
    async at(ms: number, received: number | null) {
      now = ms;
      bytes = received;
      await watch.sample();
    },
  };
}

describe('LinkWatch', () => {
  it('says nothing while bytes keep arriving, however slowly the samples come', async () => {
    const w = watched();
    for (let i = 0; i < 20; i++) await w.at(i * 900, i * 1000);
    expect(w.changes).toEqual([]);
  });

  it('calls the link stalled after a second without a byte, and flowing at the first byte after', async () => {
    const w = watched();
    await w.at(0, 500);
    await w.at(500, 500);
    expect(w.changes).toEqual([]);
    await w.at(1000, 500);
    expect(w.changes).toEqual([true]);
    await w.at(1250, 500);
    expect(w.changes).toEqual([true]);
    await w.at(1500, 501);
    expect(w.changes).toEqual([true, false]);
    expect(w.watch.stalled).toBe(false);
  });

  it('does not call a link stalled when nothing flows on it at all (no track yet)', async () => {
    const w = watched();
    for (let i = 0; i < 10; i++) await w.at(i * 500, null);
    expect(w.changes).toEqual([]);
  });

  it('starts afresh when the counters start again (a new connection after a reconnect)', async () => {
    const w = watched();
    await w.at(0, 90_000);
    await w.at(1200, 90_000);
    expect(w.changes).toEqual([true]);
    await w.at(1400, 300);
    expect(w.changes).toEqual([true, false]);
  });

  it('forgets a stall when stopped', async () => {
    const w = watched();
    await w.at(0, 1);
    await w.at(2000, 1);
    w.watch.stop();
    expect(w.changes).toEqual([true, false]);
  });
});
