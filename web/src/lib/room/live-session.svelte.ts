import { RoomEvent } from 'livekit-client';
import { OverlaySync } from '$lib/annotate/overlay-sync.svelte.ts';
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

  async join(options: { displayOnly?: boolean } = {}): Promise<boolean> {
    const ok = await this.room.connect(options);
    if (ok) await this.room.requestOverlay();
    return ok;
  }

  async leave(): Promise<void> {
    this.sync.dispose();
    await this.room.disconnect();
  }
}
