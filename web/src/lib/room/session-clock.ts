/**
 * The session clock: the api server's clock, as seen from this browser. Every op's time is on
 * it, so ops from several mentors (and the recorder's log) share one timeline.
 */
export class SessionClock {
  private offset = 0;

  /** `serverTime` from the token response, taken between `sentAt` and `receivedAt` (local ms). */
  calibrate(serverTime: number, sentAt: number, receivedAt: number): void {
    this.offset = serverTime - (sentAt + receivedAt) / 2;
  }

  now(): number {
    return Date.now() + this.offset;
  }
}
