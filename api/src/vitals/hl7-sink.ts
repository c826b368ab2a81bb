/**
 * What the HL7 listener hands a message to (listener.ts): the vitals hub takes monitor readings,
 * the patient banners take ADTs. Each counts the messages it took and those it refused, by reason.
 */
import type { Db } from '../db/client.ts';
import type { RoomControl } from '../livekit/rooms.ts';
import type { Refusal } from './pcd01.ts';

export abstract class Hl7Sink<RefusedAs extends string> {
  /** Messages taken and refused since start, by reason kind. */
  readonly counts: Record<'accepted' | 'malformed' | RefusedAs, number>;
  protected readonly db: Db;
  protected readonly rooms: RoomControl;

  /** `refusals`: each kind of refusal at 0, every one of RefusedAs (the type checks that none is missing). */
  constructor(db: Db, rooms: RoomControl, refusals: Record<RefusedAs, 0>) {
    this.db = db;
    this.rooms = rooms;
    this.counts = { accepted: 0, malformed: 0, ...refusals } as Hl7Sink<RefusedAs>['counts'];
  }

  /** Counts a message refused before it reached a session (malformed, an event not taken). */
  countMalformed() {
    this.counts.malformed++;
  }

  /** Counts a refusal; the listener answers AE with its reason. */
  protected refuse(kind: RefusedAs, reason: string): Refusal {
    this.counts[kind]++;
    return { ack: 'AE', reason };
  }
}
