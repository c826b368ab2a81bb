import { DataPacket_Kind, RoomServiceClient } from 'livekit-server-sdk';
import { ANNOTATION_VERSION, TOPICS, type ResyncRequest } from '@loupe/protocol';

/** What the api asks of livekit-server about live rooms. */
export type RoomControl = {
  /** Disconnects everyone and closes the room. A room that does not exist is fine. */
  closeRoom(room: string): Promise<void>;
  /** Removes one participant now; their token may still be valid, so this is the revocation. */
  removeParticipant(room: string, identity: string): Promise<void>;
  /**
   * Asks the overlay holders in the room to send `requester` the whole overlay. Sent by the
   * server, so holders can trust it; observers, who may not send data, get their snapshot this way.
   */
  requestOverlay(room: string, requester: string, holders: string[]): Promise<void>;
  /** Tells everyone in the room whether it is being recorded (room metadata: every client shows REC). */
  setRecordingState(room: string, state: RoomRecordingState): Promise<void>;
};

/** `starting`: asked for, the recorder not yet capturing; `recording` only once it is. */
export type RoomRecordingState = 'starting' | 'recording' | 'paused' | 'off';

const isNotFound = (err: unknown) => err instanceof Error && /not.?found|does not exist/i.test(err.message);

export function livekitRooms(url: string, apiKey: string, apiSecret: string): RoomControl {
  const client = new RoomServiceClient(url, apiKey, apiSecret);
  return {
    async closeRoom(room) {
      try {
        await client.deleteRoom(room);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    async removeParticipant(room, identity) {
      try {
        await client.removeParticipant(room, identity);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    async setRecordingState(room, state) {
      try {
        await client.updateRoomMetadata(room, JSON.stringify({ recording: state }));
      } catch (err) {
        // No room yet (nobody joined): clients read the state when they join.
        if (!isNotFound(err)) throw err;
      }
    },
    async requestOverlay(room, requester, holders) {
      const request: ResyncRequest = { v: ANNOTATION_VERSION, kind: 'resync', requester };
      await client.sendData(room, new TextEncoder().encode(JSON.stringify(request)), DataPacket_Kind.RELIABLE, {
        topic: TOPICS.resync,
        destinationIdentities: holders,
      });
    },
  };
}
