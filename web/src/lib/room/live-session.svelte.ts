import { RoomEvent } from 'livekit-client';
import type { FrameRef } from '@loupe/protocol';
import { OverlaySync } from '$lib/annotate/overlay-sync.svelte.ts';
import { OpSender } from '$lib/annotate/op-sender.ts';
import { LiveRoom } from './live-room.svelte.ts';

/** A live view's room and overlay together, with the resync that keeps them whole. */
export class LiveSession {
  readonly room: LiveRoom;
  readonly sync: OverlaySync;
  /** Display names by identity. */
  get names(): Record<string, string> {
    return Object.fromEntries(this.room.participants.map((p) => [p.identity, p.name]));
  }

  constructor(sessionId: string, audioSink: HTMLElement) {
    this.room = new LiveRoom(sessionId, audioSink);
    // Registered before connecting, so a snapshot sent the moment we join is not missed.
    this.sync = new OverlaySync(this.room.room);
    // LiveKit keeps no data history: whatever was drawn while we were away comes as a snapshot.
    this.room.room.on(RoomEvent.Reconnected, () => void this.room.requestOverlay());
  }

  /** Sends our ops (drawings, bookmarks); there once we have joined. */
  sender = $state<OpSender | null>(null);

  async join(options: { displayOnly?: boolean } = {}): Promise<boolean> {
    const ok = await this.room.connect(options);
    if (!ok) return false;
    this.sender ??= new OpSender({
      room: this.room.room,
      author: this.room.identity,
      now: () => this.room.clock.now(),
      // While frozen, everyone draws on the still: its frame is the one they look at.
      frame: () => (this.sync.state.freeze?.frozen ? this.sync.state.freeze.frame : this.frame),
      applyOwn: (op) => this.sync.applyOwn(op),
    });
    await this.room.requestOverlay();
    return true;
  }

  /** The frame on this screen now, for the ops we send (set by the picture stage). */
  frame: FrameRef | null = null;

  async leave(): Promise<void> {
    this.sender?.dispose();
    this.sync.dispose();
    await this.room.disconnect();
  }
}
