import { RoomEvent, type RemoteParticipant, type Room } from 'livekit-client';

/** What api-packets needs of a schema: zod's safeParse. */
type Schema<T> = { safeParse(value: unknown): { success: true; data: T } | { success: false } };

/**
 * Calls `take` with each packet the api sends the room on `topic`, parsed by `schema`; returns
 * the function that stops listening. Only the api, through livekit-server, sends packets with no
 * participant, so nobody in the room can forge one: a member's packet on the topic is ignored,
 * and so is one that does not parse (another version's: the page's next fetch tells the truth).
 */
export function onApiPackets<T>(room: Room, topic: string, schema: Schema<T>, take: (packet: T) => void): () => void {
  const onData = (payload: Uint8Array, from?: RemoteParticipant, _kind?: unknown, packetTopic?: string, _e?: unknown, identity?: string) => {
    if (packetTopic !== topic || from || identity) return;
    let parsed;
    try {
      parsed = schema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    } catch {
      return;
    }
    if (parsed.success) take(parsed.data);
  };
  room.on(RoomEvent.DataReceived, onData);
  return () => void room.off(RoomEvent.DataReceived, onData);
}
