/**
 * Which source each mentor is looking at now (FocusNotice, TOPICS.focus): mentors say it, theatre
 * shows it on that picture so the surgeon knows where to look. A newcomer is told, and everyone is
 * told when we (re)connect. What a mentor says as it joins can reach a page before the room has
 * announced the mentor there: it waits, under the identity livekit-server stamped on it, until the
 * mentor is known (and so their role), as ops do in overlay-sync.
 */
import { RoomEvent, type Participant, type RemoteParticipant, type Room } from 'livekit-client';
import { ANNOTATION_VERSION, DRAWING_ROLES, FocusNotice, roleOf, TOPICS, type SessionRole } from '@loupe/protocol';

/** How long a notice that could not be sent waits before it is sent again. */
const RETRY_MS = 1000;
/** How long a notice from someone the room has not announced yet waits for them. */
const WAIT_FOR_SENDER_MS = 10_000;
/** Senders whose notice may wait at once: the latest notice of each, the others dropped. */
const MAX_WAITING = 16;

export class SourceFocus {
  /** Source id by mentor identity. */
  byMentor = $state<Record<string, string>>({});
  private own: string | null = null;
  private readonly room: Room;
  private readonly off: () => void;
  private retry: ReturnType<typeof setTimeout> | null = null;
  /** The latest notice of each sender not announced yet, with when it came (performance.now()). */
  private readonly waiting = new Map<string, { payload: Uint8Array; at: number }>();

  constructor(room: Room) {
    this.room = room;
    const onData = (payload: Uint8Array, from?: RemoteParticipant, _kind?: unknown, topic?: string, _e?: unknown, identity?: string) => {
      if (topic !== TOPICS.focus) return;
      if (from) this.receive(payload, from);
      else if (identity) this.wait(identity, payload);
    };
    const onJoin = (p: RemoteParticipant) => {
      this.send([p.identity]);
      const waited = this.waiting.get(p.identity);
      this.waiting.delete(p.identity);
      if (waited) this.receive(waited.payload, p);
    };
    const forget = (identity: string) => {
      const { [identity]: _, ...rest } = this.byMentor;
      this.byMentor = rest;
    };
    const onConnected = () => this.send();
    // Our role may become a drawing one after we are in; a mentor demoted looks nowhere for theatre.
    const onAttributes = (_changed: Record<string, string>, p: Participant) => {
      if (p === room.localParticipant) this.send();
      else if (!drawing(p)) forget(p.identity);
    };
    const listeners = [
      [RoomEvent.DataReceived, onData],
      [RoomEvent.ParticipantConnected, onJoin],
      [RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => forget(p.identity)],
      [RoomEvent.Connected, onConnected],
      [RoomEvent.Reconnected, onConnected],
      [RoomEvent.ParticipantAttributesChanged, onAttributes],
    ] as [RoomEvent, (...args: never[]) => void][];
    for (const [event, listener] of listeners) room.on(event, listener);
    this.off = () => {
      for (const [event, listener] of listeners) room.off(event, listener);
    };
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
    if (this.retry) clearTimeout(this.retry);
  }

  private send(to?: string[]): void {
    if (this.own === null || this.room.state !== 'connected' || !drawing(this.room.localParticipant)) return;
    const source = this.own;
    const notice: FocusNotice = { v: ANNOTATION_VERSION, kind: 'focus', source };
    const options = { reliable: true, topic: TOPICS.focus, ...(to ? { destinationIdentities: to } : {}) };
    this.room.localParticipant.publishData(new TextEncoder().encode(JSON.stringify(notice)), options).catch(() => {
      // Sent again to everyone, unless we have looked elsewhere since (that notice is the one to send).
      if (this.retry) clearTimeout(this.retry);
      this.retry = setTimeout(() => {
        this.retry = null;
        if (this.own === source) this.send();
      }, RETRY_MS);
    });
  }

  /** Keeps the latest notice of a sender not announced yet (see the top of this file). */
  private wait(identity: string, payload: Uint8Array): void {
    const now = performance.now();
    for (const [id, { at }] of this.waiting) if (now - at > WAIT_FOR_SENDER_MS) this.waiting.delete(id);
    if (this.waiting.size >= MAX_WAITING && !this.waiting.has(identity)) return;
    this.waiting.set(identity, { payload, at: now });
  }

  private receive(payload: Uint8Array, from: RemoteParticipant): void {
    if (!drawing(from)) return;
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

const drawing = (p: Participant) => DRAWING_ROLES.includes(roleOf(p.attributes) as SessionRole);
