/**
 * Which source each mentor is looking at now (FocusNotice, TOPICS.focus): mentors say it, theatre
 * shows it on that picture so the surgeon knows where to look. A newcomer is told, everyone is
 * told when we (re)connect, and a mentor who arrives is asked: what a mentor says as it joins can
 * reach pages that do not know it yet, and livekit-client drops it there (no sender).
 */
import { RoomEvent, type Participant, type RemoteParticipant, type Room } from 'livekit-client';
import { ANNOTATION_VERSION, DRAWING_ROLES, FocusNotice, roleOf, TOPICS, type SessionRole } from '@loupe/protocol';

/** How long a notice that could not be sent waits before it is sent again. */
const RETRY_MS = 1000;
/** One answer per asker in this long: a member flooding asks gets no more than that. */
const ANSWER_EVERY_MS = 1000;

export class SourceFocus {
  /** Source id by mentor identity. */
  byMentor = $state<Record<string, string>>({});
  private own: string | null = null;
  private readonly room: Room;
  private readonly off: () => void;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private readonly answered = new Map<string, number>();

  constructor(room: Room) {
    this.room = room;
    const onData = (payload: Uint8Array, from?: RemoteParticipant, _kind?: unknown, topic?: string) => {
      if (topic === TOPICS.focus && from) this.receive(payload, from);
    };
    const onJoin = (p: RemoteParticipant) => {
      this.send([p.identity]);
      if (drawing(p)) this.ask(p.identity);
    };
    const forget = (identity: string) => {
      const { [identity]: _, ...rest } = this.byMentor;
      this.byMentor = rest;
    };
    const onLeave = (p: RemoteParticipant) => {
      forget(p.identity);
      this.answered.delete(p.identity);
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
      [RoomEvent.ParticipantDisconnected, onLeave],
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
    this.publish({ v: ANNOTATION_VERSION, kind: 'focus', source }, to).catch(() => {
      // Sent again to everyone, unless we have looked elsewhere since (that notice is the one to send).
      if (this.retry) clearTimeout(this.retry);
      this.retry = setTimeout(() => {
        this.retry = null;
        if (this.own === source) this.send();
      }, RETRY_MS);
    });
  }

  /** Asks a mentor who just arrived where they look (see the top of this file). */
  private ask(identity: string): void {
    void this.publish({ v: ANNOTATION_VERSION, kind: 'focus-ask' }, [identity]).catch(() => undefined);
  }

  private publish(notice: FocusNotice, to?: string[]): Promise<void> {
    const options = { reliable: true, topic: TOPICS.focus, ...(to ? { destinationIdentities: to } : {}) };
    return this.room.localParticipant.publishData(new TextEncoder().encode(JSON.stringify(notice)), options);
  }

  private receive(payload: Uint8Array, from: RemoteParticipant): void {
    let notice: FocusNotice;
    try {
      const parsed = FocusNotice.safeParse(JSON.parse(new TextDecoder().decode(payload)));
      if (!parsed.success) return;
      notice = parsed.data;
    } catch {
      return; // Not JSON: ignored, as any malformed packet.
    }
    if (notice.kind === 'focus-ask') {
      const last = this.answered.get(from.identity) ?? -Infinity;
      if (performance.now() - last < ANSWER_EVERY_MS) return;
      this.answered.set(from.identity, performance.now());
      this.send([from.identity]);
      return;
    }
    if (!drawing(from)) return;
    const { [from.identity]: _, ...rest } = this.byMentor;
    this.byMentor = notice.source ? { ...rest, [from.identity]: notice.source } : rest;
  }
}

const drawing = (p: Participant) => DRAWING_ROLES.includes(roleOf(p.attributes) as SessionRole);
