import { RoomEvent } from 'livekit-client';
import { OVERLAY_HOLDER_ROLES, type FrameRef, type SharedImage } from '@loupe/protocol';
import { OverlaySync } from '$lib/annotate/overlay-sync.svelte.ts';
import { OpSender } from '$lib/annotate/op-sender.ts';
import { LiveRoom, PASSING_PROBLEMS } from './live-room.svelte.ts';
import { listPictures, type PictureView } from './sources.ts';

type JoinOptions = { displayOnly?: boolean };

// Between attempts to join again on our own: quick at first, then every 10 s (well inside the
// api's per-person token rate), for as long as the page is open.
const REJOIN_DELAYS_MS = [500, 1000, 2000, 5000, 10_000];

/** A live view's room and overlay together, with the resync that keeps them whole. */
export class LiveSession {
  readonly room: LiveRoom;
  readonly sync: OverlaySync;
  /** Display names by identity. */
  readonly names: Record<string, string> = $derived.by(() => Object.fromEntries(this.room.participants.map((p) => [p.identity, p.name])));

  /**
   * The prior images shown now, as text: it changes when they do, not with every mark drawn (the
   * grid would ask for its video layers again at each).
   */
  private readonly sharedNow: string = $derived.by(() => {
    void this.sync.version;
    return JSON.stringify(this.sync.state.shared());
  });
  /** Every picture to show: theatre's sources, then the prior images mentors showed to everyone. */
  readonly pictures: PictureView[] = $derived.by(() =>
    listPictures(this.room.sessionId, this.room.sources, JSON.parse(this.sharedNow) as SharedImage[], this.names),
  );

  private options: JoinOptions = {};
  private rejoining = false;
  private left = false;
  private readonly onRejoined: () => Promise<void>;

  /** `onRejoined`: what the view must do again in a new session of the room (theatre publishes its picture). */
  constructor(sessionId: string, audioSink: HTMLElement, onRejoined: () => Promise<void> = async () => {}) {
    this.room = new LiveRoom(sessionId, audioSink);
    this.onRejoined = onRejoined;
    // Registered before connecting, so a snapshot sent the moment we join is not missed.
    this.sync = new OverlaySync(this.room.room, () => this.room.clock.now());
    this.room.room
      .on(RoomEvent.Reconnected, () => this.catchUp(true))
      // livekit-client gave up reconnecting (the server was gone past its retries, or refused
      // the token it kept): join again with a fresh one.
      .on(RoomEvent.Disconnected, () => {
        if (this.room.problem === 'disconnected') void this.rejoin();
      });
  }

  /** Sends our ops (drawings, bookmarks); there once we have joined. */
  sender = $state<OpSender | null>(null);

  async join(options: JoinOptions = {}, rejoining = false): Promise<boolean> {
    this.options = options;
    const ok = await this.room.connect({ ...options, rejoining });
    if (!ok) return false;
    this.sender ??= new OpSender({
      room: this.room.room,
      author: this.room.identity,
      now: () => this.room.clock.now(),
      // While a source is frozen, everyone draws on its still: its frame is the one they look at.
      frame: () => (this.onFrozenSource() ? this.sync.state.freeze!.frame : this.onSharedImage() ? null : (this.frames[this.drawingOn() ?? ''] ?? this.frame)),
      still: () => (this.onFrozenSource() ? this.sync.state.freeze!.id : null),
      source: () => this.drawingOn(),
      applyOwn: (op) => this.sync.applyOwn(op),
    });
    await this.catchUp(rejoining);
    return true;
  }

  /**
   * Joins again after losing the room, by itself or when the person asks (taking the session
   * back from another screen): with a fresh token, through passing problems, until it is in
   * or a problem needs the person (session ended, removed, signed out, opened elsewhere).
   */
  async rejoin(): Promise<boolean> {
    if (this.rejoining) return false;
    this.rejoining = true;
    try {
      for (let attempt = 0; !this.left; attempt++) {
        if (await this.join(this.options, true)) {
          await this.onRejoined();
          return true;
        }
        if (!this.room.problem || !PASSING_PROBLEMS.includes(this.room.problem)) return false;
        await new Promise((r) => setTimeout(r, REJOIN_DELAYS_MS[Math.min(attempt, REJOIN_DELAYS_MS.length - 1)]));
      }
      return false;
    } finally {
      this.rejoining = false;
    }
  }

  /** The frame on this screen now, for the ops we send (set by the picture stage). */
  frame: FrameRef | null = null;
  /** With several pictures: the frame on screen of each (by source id), and the one drawn on last. */
  frames: Record<string, FrameRef> = {};
  drawingSource: string | null = null;

  /** The source we draw on: the one chosen on a page of several pictures, else the one picture. */
  drawingOn(): string | null {
    return this.drawingSource ?? this.room.pictureSource;
  }

  /** A prior image is no video: a mark on it names no frame. */
  private onSharedImage(): boolean {
    const on = this.drawingOn();
    return this.sync.state.shared().some((s) => s.source === on);
  }

  private onFrozenSource(): boolean {
    const freeze = this.sync.state.freeze;
    return !!freeze?.frozen && (freeze.source ?? this.room.pictureSource) === this.drawingOn();
  }

  async leave(): Promise<void> {
    this.left = true;
    this.sender?.dispose();
    this.sync.dispose();
    await this.room.disconnect();
  }

  /**
   * LiveKit keeps no data history, and nothing sent while a participant is away reaches it:
   * whatever was drawn meanwhile comes as a snapshot from the overlay holders. `back`: we were
   * here before, so a holder also sends its whole overlay to everyone, for what it drew while
   * the room was away (ops it sent into a dead connection are lost otherwise); unasked, the
   * others take only its own ops from it (protocol/src/snapshot.ts).
   */
  private async catchUp(back: boolean): Promise<void> {
    const role = this.room.role;
    if (back && role && OVERLAY_HOLDER_ROLES.includes(role) && !this.options.displayOnly) {
      void this.sync.sendSnapshot().catch((err: unknown) => console.warn('overlay not shared after reconnecting', err));
    }
    this.sync.expectAnswers();
    await this.room.requestOverlay();
  }
}
