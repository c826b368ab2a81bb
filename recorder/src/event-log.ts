/**
 * The recording's event log: one JSON object per line. Each event is written as it arrives, so
 * that a crash of the recorder (kill -9 included) loses nothing logged before it: the kernel has
 * it. It reaches the disk itself within SYNC_MS, in one fdatasync for everything written since:
 * a snapshot of thousands of ops used to cost one fsync each, seconds of a blocked recorder on a
 * slow disk, while the picture waited.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, writeSync, existsSync } from 'node:fs';

/** A power cut loses at most this much of the log. */
const SYNC_MS = 100;

export type LoggedEvent = {
  /** Position on the recording's media timeline, in milliseconds. */
  mediaMs: number;
  /** Wall clock when the recorder received it (epoch ms). */
  at: number;
  type: 'op' | 'still' | 'vitals' | 'join' | 'leave' | 'pause' | 'resume' | 'gap' | 'skip' | 'start' | 'stop' | 'main' | 'source';
  [key: string]: unknown;
};

/** The reason a `gap` event gives when a recorder carries on a recording after a restart or takeover. */
export const RESTARTED = 'recorder restarted or taken over';

export class EventLog {
  private readonly fd: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  append(...events: LoggedEvent[]): void {
    if (events.length === 0) return;
    writeSync(this.fd, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    this.timer ??= setTimeout(() => this.flush(), SYNC_MS);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    fdatasyncSync(this.fd);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Every complete line of a log; a line cut short by a crash is left out. */
export function readEventLog(path: string): LoggedEvent[] {
  if (!existsSync(path)) return [];
  const events: LoggedEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as LoggedEvent);
    } catch {
      // The last line of a log written when the recorder was killed.
    }
  }
  return events;
}
