import { RoomEvent, type RemoteParticipant, type Room } from 'livekit-client';
import { PatientNotice, TOPICS, type PatientBanner } from '@loupe/protocol';
import { apiClient, unwrap } from '$lib/api/client.ts';

/**
 * The session's patient banner as a live page sees it: fetched from the api when the page opens,
 * after a reconnect, and whenever the api tells the room it changed (the notice carries no
 * patient data; the fetch goes through the api's member check).
 */
export class PatientRoom {
  banner = $state<PatientBanner | null>(null);
  private readonly sessionId: string;
  private readonly dispose: () => void;

  constructor(sessionId: string, room: Room) {
    this.sessionId = sessionId;
    const onData = (payload: Uint8Array, from?: RemoteParticipant, _kind?: unknown, topic?: string, _e?: unknown, identity?: string) => {
      // Only the api, through livekit-server, sends packets with no participant.
      if (topic !== TOPICS.patient || from || identity) return;
      try {
        PatientNotice.parse(JSON.parse(new TextDecoder().decode(payload)));
      } catch {
        return;
      }
      void this.load();
    };
    const onReconnected = () => void this.load();
    room.on(RoomEvent.DataReceived, onData).on(RoomEvent.Reconnected, onReconnected);
    this.dispose = () => void room.off(RoomEvent.DataReceived, onData).off(RoomEvent.Reconnected, onReconnected);
  }

  async load(): Promise<void> {
    try {
      this.banner = (await unwrap(apiClient('/api').sessions[':id'].patient.$get({ param: { id: this.sessionId } }))).banner;
    } catch {
      // The banner keeps what it has; the next notice or reconnect fetches again.
    }
  }

  close(): void {
    this.dispose();
  }
}
