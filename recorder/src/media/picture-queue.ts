/**
 * Theatre's pictures between their arrival and the media frame each is written on: which
 * picture every frame gets, and which are let go (and counted) when too many wait.
 */

/** `at`: its moment (WebRTC's render time, ms): theatre's other pictures are matched to it (extra-sources.ts). */
export type Picture = { data: Uint8Array; width: number; height: number; at?: number };

// A second of pictures waiting to be written, at most.
const MAX_WAITING = 30;
/**
 * Pictures are written this many frames (200 ms) after they arrive, and the sound with them: a
 * picture up to that late (a busy event loop, a burst from the decoder, network jitter) still
 * takes its own frame. Written on arrival, a picture one frame late was replaced by the one
 * before it, written twice, and a later picture was skipped to catch up: a frame lost each time.
 */
export const PLAYOUT_DELAY_FRAMES = 6;
/**
 * Theatre's clock is taken to run ahead of ours once more than this many pictures have waited
 * for CLOCK_AHEAD_MS. Well above the delay: a picture that came late was written twice, and the
 * queue is one longer from then on, which costs nothing but memory (ops are placed by the
 * picture they were drawn on, however long the queue), where shedding one loses a frame.
 */
const CLOCK_AHEAD_PICTURES = PLAYOUT_DELAY_FRAMES + 9;
const CLOCK_AHEAD_MS = 1000;

export class PictureQueue {
  private waiting: Picture[] = [];
  /** The picture last taken, and the media frame it was first written on. */
  private last: { picture: Picture; frame: number } | null = null;
  /** Since when more pictures than CLOCK_AHEAD_PICTURES have been waiting. */
  private aheadSince: number | null = null;
  /** Pictures received and never written (the writer too far behind, or theatre's clock fast). */
  shed = 0;
  /** Of those, shed because theatre's clock ran ahead of ours. */
  shedForClock = 0;

  /** A picture as it arrives. Far behind (the encoder stalled), the newest are kept. */
  push(picture: Picture): void {
    this.waiting.push(picture);
    if (this.waiting.length > MAX_WAITING) this.shed += this.waiting.splice(0, this.waiting.length - MAX_WAITING).length;
  }

  /** Nothing seen while paused is recorded. */
  clear(): void {
    this.waiting = [];
  }

  /** Lets all but the newest `n` pictures go (their frames were skipped), counting them as shed. */
  keepNewest(n: number): void {
    if (this.waiting.length > n) this.shed += this.waiting.splice(0, this.waiting.length - n).length;
  }

  /** The moment of the newest picture received, if it has one. */
  get newestAt(): number | undefined {
    return (this.waiting.at(-1) ?? this.last?.picture)?.at;
  }

  /** Lets the pictures of moments after `at` go: they came after the recording stopped. */
  dropAfter(at: number): void {
    this.waiting = this.waiting.filter((p) => p.at === undefined || p.at <= at);
  }

  /** The first picture there is (its size sizes the recording when theatre's is not known). */
  get first(): Picture | undefined {
    return this.last?.picture ?? this.waiting[0];
  }

  get length(): number {
    return this.waiting.length;
  }

  /**
   * The picture for media frame `frame`: the next waiting, or the last one again when none is.
   * `lastDue`: the last frame the clock is due now, where a picture is let go if theatre's clock
   * runs ahead.
   */
  take(frame: number, lastDue: boolean): Picture {
    if (lastDue && this.theatreClockAhead()) {
      this.waiting.shift();
      this.shed++;
      this.shedForClock++;
    }
    const next = this.waiting.shift();
    if (next) this.last = { picture: next, frame };
    return this.last!.picture;
  }

  /**
   * The media frame where the newest picture received sits, or will once those before it are
   * written, `frames` having been written so far.
   */
  newestFrame(frames: number): number {
    return this.waiting.length > 0 ? frames + this.waiting.length - 1 : (this.last?.frame ?? frames);
  }

  /**
   * Whether more pictures than the delay holds have been waiting, frame after frame, for a
   * second: theatre's clock runs ahead of ours, and one picture must go to keep the delay. A
   * burst from the network or the decoder fills the queue for a moment only; shedding a
   * picture then lost it for nothing (the bench saw one or two a recording).
   */
  private theatreClockAhead(): boolean {
    if (this.waiting.length <= CLOCK_AHEAD_PICTURES) {
      this.aheadSince = null;
      return false;
    }
    const now = performance.now();
    this.aheadSince ??= now;
    if (now - this.aheadSince < CLOCK_AHEAD_MS) return false;
    this.aheadSince = null;
    return true;
  }
}
