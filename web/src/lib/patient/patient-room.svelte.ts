import { RoomEvent, type Room } from 'livekit-client';
import { PatientNotice, TOPICS, type PatientBanner } from '@loupe/protocol';
import { apiClient, unwrap } from '$lib/api/client.ts';
import { onApiPackets } from '$lib/room/api-packets.ts';

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
    const stopPackets = onApiPackets(room, TOPICS.patient, PatientNotice, () => void this.load());
    const onReconnected = () => void this.load();
    room.on(RoomEvent.Reconnected, onReconnected);
    this.dispose = () => {
      stopPackets();
      room.off(RoomEvent.Reconnected, onReconnected);
    };
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
