import { DataPacket_Kind, ParticipantInfo_State, RoomServiceClient, type TrackSource } from 'livekit-server-sdk';
import { httpUrlOf } from './nodes.ts';
import {
  ANNOTATION_VERSION,
  TOPICS,
  formatRoomMetadata,
  type ExamNotice,
  type PatientNotice,
  type ResyncRequest,
  type RoomMetadata,
  type VitalsPacket,
} from '@loupe/protocol';

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
  /** Sends the bound monitor's values or new limits (reliable) to everyone in the room, the recorder too; a room nobody is in is fine. */
  sendVitals(room: string, packet: VitalsPacket): Promise<void>;
  /** Tells everyone in the room that the patient banner changed (they fetch it); the notice holds no patient data. */
  notifyPatient(room: string, notice: PatientNotice): Promise<void>;
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

/** A room whose people all left closes after this (someone reloading their page is back well before); LOUPE_ROOM_DEPARTURE_SECONDS. */
export const ROOM_DEPARTURE_TIMEOUT_S = 20;

const isNotFound = (err: unknown) => err instanceof Error && /not.?found|does not exist/i.test(err.message);

/**
 * The room is not live anywhere: not found, or (livekit-server 1.13 answers a room that does not
 * exist with 503 "no response from servers", as no node hosts it) nobody to hear a packet.
 */
const isNotLive = (err: unknown) => isNotFound(err) || (err instanceof Error && /no response from servers/i.test(err.message));

/** fetch could not reach the node at all (refused, reset, no route): another node may answer. */
const isUnreachable = (err: unknown) => err instanceof TypeError;

/**
 * The room service of livekit-server at `urls`: one node, or the nodes of a cluster
 * (LOUPE_LIVEKIT_URLS), where any node answers for every room (LiveKit routes the call to the
 * room's node through Redis). A node that cannot be reached is passed over for the next.
 */
export function livekitRooms(urls: string | readonly string[], apiKey: string, apiSecret: string, departureTimeoutS = ROOM_DEPARTURE_TIMEOUT_S): RoomControl {
  const nodes = (typeof urls === 'string' ? [urls] : urls).map((url) => new RoomServiceClient(httpUrlOf(url), apiKey, apiSecret));
  let preferred = 0;
  async function onAnyNode<T>(call: (node: RoomServiceClient) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let i = 0; i < nodes.length; i++) {
      const index = (preferred + i) % nodes.length;
      try {
        const result = await call(nodes[index]!);
        preferred = index;
        return result;
      } catch (err) {
        if (!isUnreachable(err)) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }
  /** A packet from the server to everyone in the room; none is there to hear it when the room does not exist. */
  async function sendToRoom(room: string, topic: string, payload: unknown, kind: DataPacket_Kind): Promise<void> {
    try {
      await onAnyNode((c) => c.sendData(room, new TextEncoder().encode(JSON.stringify(payload)), kind, { topic }));
    } catch (err) {
      if (!isNotLive(err)) throw err;
    }
  }
  return {
    async closeRoom(room) {
      try {
        await onAnyNode((c) => c.deleteRoom(room));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    async removeParticipant(room, identity) {
      try {
        await onAnyNode((c) => c.removeParticipant(room, identity));
        return true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return false;
      }
    },
    async setRecordingState(room, metadata) {
      try {
        await onAnyNode((c) => c.updateRoomMetadata(room, formatRoomMetadata(metadata)));
      } catch (err) {
        // No room yet (nobody joined): clients read the state when they join.
        if (!isNotFound(err)) throw err;
      }
    },
    async openRoom(room) {
      // Idempotent: an open room is returned as it is.
      await onAnyNode((c) => c.createRoom({ name: room, departureTimeout: departureTimeoutS }));
    },
    async updateParticipant(room, identity, attributes, permission) {
      try {
        await onAnyNode((c) => c.updateParticipant(room, identity, { attributes, permission }));
        return true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return false;
      }
    },
    // Nobody in the room: each page fetches the exam, the values or the banner when it opens.
    notifyExam: (room, notice) => sendToRoom(room, TOPICS.exam, notice, DataPacket_Kind.RELIABLE),
    // Vitals reliable too: a packet a few seconds apart costs nothing to resend, and the recorder writes each one into the case.
    sendVitals: (room, packet) => sendToRoom(room, TOPICS.vitals, packet, DataPacket_Kind.RELIABLE),
    notifyPatient: (room, notice) => sendToRoom(room, TOPICS.patient, notice, DataPacket_Kind.RELIABLE),
    async listRooms() {
      return (await onAnyNode((c) => c.listRooms())).map((r) => r.name);
    },
    async listParticipants(room) {
      let participants;
      try {
        participants = await onAnyNode((c) => c.listParticipants(room));
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
      await onAnyNode((c) =>
        c.sendData(room, new TextEncoder().encode(JSON.stringify(request)), DataPacket_Kind.RELIABLE, {
          topic: TOPICS.resync,
          destinationIdentities: holders,
        }),
      );
    },
  };
}
