/**
 * Which source each mentor is looking at now (FocusNotice, TOPICS.focus): mentors say it, theatre
 * shows it on that picture so the surgeon knows where to look. A newcomer is told again.
 */
import { RoomEvent, type RemoteParticipant, type Room } from 'livekit-client';
import { ANNOTATION_VERSION, DRAWING_ROLES, FocusNotice, roleOf, TOPICS, type SessionRole } from '@loupe/protocol';

export class SourceFocus {
  /** Source id by mentor identity. */
  byMentor = $state<Record<string, string>>({});
  private own: string | null = null;
  private readonly room: Room;
  private readonly off: () => void;

  constructor(room: Room) {
    this.room = room;
    const onData = (payload: Uint8Array, from?: RemoteParticipant, _kind?: unknown, topic?: string) => {
      if (topic === TOPICS.focus && from) this.receive(payload, from);
    };
    const onJoin = (p: RemoteParticipant) => this.send([p.identity]);
    const onLeave = (p: RemoteParticipant) => {
      const { [p.identity]: _, ...rest } = this.byMentor;
      this.byMentor = rest;
    };
    room.on(RoomEvent.DataReceived, onData).on(RoomEvent.ParticipantConnected, onJoin).on(RoomEvent.ParticipantDisconnected, onLeave);
    this.off = () => room.off(RoomEvent.DataReceived, onData).off(RoomEvent.ParticipantConnected, onJoin).off(RoomEvent.ParticipantDisconnected, onLeave);
  }

  /** We (a mentor) look at `source` now. */
  tell(source: string | null): void {
    if (source === this.own) return;
    this.own = source;
    this.send();
  }

  /** The mentors looking at `source`. */
  lookers(source: string): string[] {
    return Object.entries(this.byMentor).flatMap(([who, at]) => (at === source ? [who] : []));
  }

  dispose(): void {
    this.off();
  }

  private send(to?: string[]): void {
    if (this.own === null || !DRAWING_ROLES.includes(roleOf(this.room.localParticipant.attributes) as SessionRole)) return;
    const notice: FocusNotice = { v: ANNOTATION_VERSION, kind: 'focus', source: this.own };
    void this.room.localParticipant
      .publishData(new TextEncoder().encode(JSON.stringify(notice)), { reliable: true, topic: TOPICS.focus, ...(to ? { destinationIdentities: to } : {}) })
      .catch(() => undefined);
  }

  private receive(payload: Uint8Array, from: RemoteParticipant): void {
    if (!DRAWING_ROLES.includes(roleOf(from.attributes) as SessionRole)) return;
    try {
      const notice = FocusNotice.safeParse(JSON.parse(new TextDecoder().decode(payload)));
      if (!notice.success) return;
      const { [from.identity]: _, ...rest } = this.byMentor;
      this.byMentor = notice.data.source ? { ...rest, [from.identity]: notice.data.source } : rest;
    } catch {
      // Not JSON: ignored, as any malformed packet.
    }
  }
}
