/**
 * What was drawn before the recorder joined (recording began, the recorder restarted, or joined
 * the room again) is on screen too: the recorder asks the overlay holders for a snapshot, as a
 * late joiner would, through livekit-server itself, and logs the ops it holds.
 */
import type { Room, TextStreamReader } from '@livekit/rtc-node';
import { DataPacket_Kind, RoomServiceClient } from 'livekit-server-sdk';
import {
  ANNOTATION_VERSION,
  MAX_SNAPSHOT_BYTES,
  holdsOverlay,
  OverlaySnapshot,
  OverlayRequest,
  TOPICS,
  roleOf,
  snapshotOpsToApply,
  type AnnotationOp,
  type ResyncRequest,
} from '@loupe/protocol';

export type OverlayCatchUpOptions = {
  sessionId: string;
  recordingId: string;
  /** The node the recorder is in the room through now: the room service is asked there. */
  livekitUrl: () => string;
  livekitKeys: { apiKey: string; apiSecret: string };
  /** The ops of a holder's snapshot, valid and all at once. */
  onOps: (from: string, ops: AnnotationOp[]) => void;
};

export class OverlayCatchUp {
  private readonly o: OverlayCatchUpOptions;
  /** Ops came from someone not announced yet (see RoomRecorder.onData). */
  private missed = false;
  /** Our own request for the overlay: which snapshots answer it. */
  private readonly asked = new OverlayRequest();

  constructor(o: OverlayCatchUpOptions) {
    this.o = o;
  }

  /** Takes the snapshots sent to this room's recorder. */
  listen(room: Room): void {
    room.registerTextStreamHandler(TOPICS.snapshot, (reader, { identity }) => void this.onSnapshot(room, reader, identity));
  }

  /** Packets came from a sender the room had not announced: the overlay is asked for once someone is. */
  missedUnknown(): void {
    this.missed = true;
  }

  /** Someone new was announced: if packets were dropped before, ask again for what they drew. */
  announced(room: Room): void {
    if (!this.missed) return;
    this.missed = false;
    void this.request(room);
  }

  /** Asks the holders in the room (theatre and mentors, not display-only screens) for the whole overlay. */
  async request(room: Room): Promise<void> {
    const holders = [...room.remoteParticipants.values()].filter((p) => holdsOverlay(p.attributes)).map((p) => p.identity);
    if (holders.length === 0 || !room.localParticipant) return;
    this.asked.ask(Date.now());
    const request: ResyncRequest = { v: ANNOTATION_VERSION, kind: 'resync', requester: room.localParticipant.identity };
    const server = new RoomServiceClient(this.o.livekitUrl().replace(/^ws/, 'http'), this.o.livekitKeys.apiKey, this.o.livekitKeys.apiSecret);
    await server
      .sendData(this.o.sessionId, new TextEncoder().encode(JSON.stringify(request)), DataPacket_Kind.RELIABLE, {
        topic: TOPICS.resync,
        destinationIdentities: holders,
      })
      .catch((err) => console.error(`recording ${this.o.recordingId}: could not ask for the overlay:`, err));
  }

  private async onSnapshot(room: Room, reader: TextStreamReader, identity: string): Promise<void> {
    const attributes = room.remoteParticipants.get(identity)?.attributes;
    const role = roleOf(attributes);
    if (!role || !holdsOverlay(attributes)) return;
    const text = await reader.readAll().catch(() => '');
    if (text.length > MAX_SNAPSHOT_BYTES) return;
    let parsed;
    try {
      parsed = OverlaySnapshot.safeParse(JSON.parse(text));
    } catch {
      return;
    }
    if (!parsed.success) return;
    // The recorder takes from a snapshot what a page would (protocol/src/snapshot.ts): only ever
    // state to fill in what it missed, never a bookmark, never another present author's ops.
    const ops = snapshotOpsToApply(parsed.data.ops, {
      sender: { identity, role },
      solicited: this.asked.answeredBy(identity, Date.now()),
      present: new Set(room.remoteParticipants.keys()),
      now: Date.now(),
    });
    if (ops.length > 0) this.o.onOps(identity, ops);
  }
}
