/**
 * The recording's event log: one JSON object per line, appended and flushed to disk as each
 * event arrives, so that a crash loses nothing logged before it.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, writeSync, existsSync } from 'node:fs';

export type LoggedEvent = {
  /** Position on the recording's media timeline, in milliseconds. */
  mediaMs: number;
  /** Wall clock when the recorder received it (epoch ms). */
  at: number;
  type: 'op' | 'join' | 'leave' | 'pause' | 'resume' | 'gap' | 'start' | 'stop';
  [key: string]: unknown;
};

export class EventLog {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  append(event: LoggedEvent): void {
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
    fdatasyncSync(this.fd);
  }

  close(): void {
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
