/**
 * Notices a dead link within about a second. A network that goes silent (a cable pulled past
 * the router, Wi-Fi out of range) raises no error: livekit-client only notices when its
 * signalling ping times out or ICE fails, 15 to 30 s later, and until then the picture just
 * freezes. While media flows, bytes arrive from the server many times a second (video for a
 * viewer, RTCP feedback and ICE checks for the publisher), so a second without any is a dead
 * link, and the first byte after it means the link is back.
 */
export type LinkWatchOptions = {
  /** Bytes received so far on our connections to the server, or null when nothing flows yet. */
  bytesReceived(): Promise<number | null>;
  onChange(stalled: boolean): void;
  intervalMs?: number;
  stallMs?: number;
  now?: () => number;
};

export class LinkWatch {
  stalled = false;
  private readonly o: Required<LinkWatchOptions>;
  private timer: ReturnType<typeof setInterval> | null = null;
  private last: { bytes: number; at: number } | null = null;
  private sampling = false;

  constructor(options: LinkWatchOptions) {
    this.o = { intervalMs: 250, stallMs: 1000, now: () => performance.now(), ...options };
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => void this.sample(), this.o.intervalMs);
  }

  /** Stops watching (the room is gone or reconnecting on its own) and forgets the last sample. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.last = null;
    this.set(false);
  }

  /** One look at the byte count; the timer calls it, tests call it directly. */
  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const bytes = await this.o.bytesReceived().catch(() => null);
      const at = this.o.now();
      if (bytes === null) {
        this.last = null;
        this.set(false);
      } else if (!this.last || bytes !== this.last.bytes) {
        this.last = { bytes, at };
        this.set(false);
      } else if (at - this.last.at >= this.o.stallMs) {
        this.set(true);
      }
    } finally {
      this.sampling = false;
    }
  }

  private set(stalled: boolean): void {
    if (stalled === this.stalled) return;
    this.stalled = stalled;
    this.o.onChange(stalled);
  }
}
