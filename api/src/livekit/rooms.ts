import { DataPacket_Kind, ParticipantInfo_State, RoomServiceClient, type TrackSource } from 'livekit-server-sdk';
import { ANNOTATION_VERSION, TOPICS, formatRoomMetadata, type ExamNotice, type ResyncRequest, type RoomMetadata, type VitalsPacket } from '@loupe/protocol';

/** What the api asks of livekit-server about live rooms. */
export type RoomControl = {
  /** Disconnects everyone and closes the room. A room that does not exist is fine. */
  closeRoom(room: string): Promise<void>;
  /** Removes one participant now (false: they were not there); their token may still be valid. */
  removeParticipant(room: string, identity: string): Promise<boolean>;
  /**
   * Asks the overlay holders in the room to send `requester` the whole overlay. Sent by the
   * server, so holders can trust it; observers, who may not send data, get their snapshot this way.
   */
  requestOverlay(room: string, requester: string, holders: string[]): Promise<void>;
  /**
   * Tells everyone in the room whether it is being recorded (room metadata: every client shows
   * REC), and with `off`, why it stopped if nobody pressed Stop.
   */
  setRecordingState(room: string, metadata: RoomMetadata): Promise<void>;
  /**
   * Opens the session's room if it is not open. livekit-server makes no room of its own
   * (`auto_create: false`): a token, even a valid one kept from before, cannot open the room of
   * a session that has ended.
   */
  openRoom(room: string): Promise<void>;
  /** Sets a participant's attributes and permissions now (false: they were not there). */
  updateParticipant(room: string, identity: string, attributes: Record<string, string>, permission: RoomPermission): Promise<boolean>;
  /** Tells everyone in the room that an exam changed (they fetch it again); a room nobody is in is fine. */
  notifyExam(room: string, notice: ExamNotice): Promise<void>;
  /** Sends the bound monitor's values (lossy) or new limits (reliable) to everyone in the room; a room nobody is in is fine. */
  sendVitals(room: string, packet: VitalsPacket): Promise<void>;
  /** The names of the rooms open now (a room is a session id). */
  listRooms(): Promise<string[]>;
  /** Who is in the room now, connected and active; a room that does not exist has nobody. */
  listParticipants(room: string): Promise<RoomParticipant[]>;
};

/** What a participant may do, in LiveKit's terms (see roomPermission in token.ts). */
export type RoomPermission = {
  canSubscribe: boolean;
  canPublish: boolean;
  canPublishData: boolean;
  canPublishSources: TrackSource[];
  canUpdateMetadata: boolean;
};

/** Someone in a room, as much of LiveKit's ParticipantInfo as the audit needs. */
export type RoomParticipant = {
  identity: string;
  name: string;
  /** Set by the api in the token: `role`, `name`, `display`. */
  attributes: Record<string, string>;
  /** Seconds since the epoch, as LiveKit counts; with the room and identity it names one join. */
  joinedAt: number;
};

/** A room whose people all left closes after this (someone reloading their page is back well before). */
const ROOM_DEPARTURE_TIMEOUT_S = 20;

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
        return true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return false;
      }
    },
    async setRecordingState(room, metadata) {
      try {
        await client.updateRoomMetadata(room, formatRoomMetadata(metadata));
      } catch (err) {
        // No room yet (nobody joined): clients read the state when they join.
        if (!isNotFound(err)) throw err;
      }
    },
    async openRoom(room) {
      // Idempotent: an open room is returned as it is.
      await client.createRoom({ name: room, departureTimeout: ROOM_DEPARTURE_TIMEOUT_S });
    },
    async updateParticipant(room, identity, attributes, permission) {
      try {
        await client.updateParticipant(room, identity, { attributes, permission });
        return true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return false;
      }
    },
    async notifyExam(room, notice) {
      try {
        await client.sendData(room, new TextEncoder().encode(JSON.stringify(notice)), DataPacket_Kind.RELIABLE, { topic: TOPICS.exam });
      } catch (err) {
        // Nobody in the room: each page fetches its exams when it opens.
        if (!isNotFound(err)) throw err;
      }
    },
    async sendVitals(room, packet) {
      try {
        const kind = packet.limits ? DataPacket_Kind.RELIABLE : DataPacket_Kind.LOSSY;
        await client.sendData(room, new TextEncoder().encode(JSON.stringify(packet)), kind, { topic: TOPICS.vitals });
      } catch (err) {
        // Nobody in the room: each page fetches the values when it opens.
        if (!isNotFound(err)) throw err;
      }
    },
    async listRooms() {
      return (await client.listRooms()).map((r) => r.name);
    },
    async listParticipants(room) {
      let participants;
      try {
        participants = await client.listParticipants(room);
      } catch (err) {
        if (isNotFound(err)) return [];
        throw err;
      }
      // LiveKit's participant_joined webhook fires when a participant becomes ACTIVE; one still
      // connecting is left to a later look, as the webhook would leave it.
      return participants
        .filter((p) => p.state === ParticipantInfo_State.ACTIVE)
        .map((p) => ({ identity: p.identity, name: p.name, attributes: p.attributes, joinedAt: Number(p.joinedAt) }));
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
