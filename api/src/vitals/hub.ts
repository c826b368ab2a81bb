/**
 * Where a monitor's readings go: to the session its id is bound to, as a packet to the session's
 * room, and into a short history in memory for pages that open later. Memory is enough: the
 * history is ten minutes of trend, and after a restart the monitor's next message (every few
 * seconds) fills the strip again.
 */
import { eq, inArray } from 'drizzle-orm';
import {
  DEFAULT_VITALS_LIMITS,
  VITALS_HISTORY_MS,
  VITALS_VERSION,
  VITAL_PARAMETERS,
  type SessionVitals,
  type VitalParameter,
  type VitalSample,
  type VitalsPacket,
} from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { liveSessions, sessionVitals } from '../db/schema.ts';
import type { RoomControl } from '../livekit/rooms.ts';
import type { MonitorReading, Refusal } from './pcd01.ts';
import { Hl7Sink } from './hl7-sink.ts';

export class VitalsHub extends Hl7Sink<'unknownDevice' | 'outOfOrder' | 'sessionEnded'> {
  /** Session id → parameter → samples, oldest first. */
  private readonly history = new Map<string, Map<VitalParameter, VitalSample[]>>();
  /** Bound device id → observation time of its newest message taken. */
  private readonly newest = new Map<string, number>();
  /** Sessions whose room the last values could not reach (logged once, see send). */
  private readonly unreachable = new Set<string>();

  constructor(db: Db, rooms: RoomControl) {
    super(db, rooms, { unknownDevice: 0, outOfOrder: 0, sessionEnded: 0 });
  }

  /** Takes a reading for its bound session, or says why not (the listener answers AE with it). */
  async take(reading: MonitorReading): Promise<Refusal | { sessionId: string }> {
    const rows = await this.db
      .select({ sessionId: sessionVitals.sessionId, deviceId: sessionVitals.deviceId, limits: sessionVitals.limits, status: liveSessions.status })
      .from(sessionVitals)
      .innerJoin(liveSessions, eq(liveSessions.id, sessionVitals.sessionId))
      .where(inArray(sessionVitals.deviceId, reading.deviceIds));
    // Its bed bound to one session and its EUI-64 to another: whose patient it is, only people can say.
    if (rows.length > 1) return this.refuse('unknownDevice', `This monitor is bound to ${rows.length} sessions (${rows.map((r) => r.deviceId).join(', ')})`);
    const [bound] = rows;
    if (!bound?.deviceId) return this.refuse('unknownDevice', `No session is bound to this monitor (${reading.deviceIds.join(', ')})`);
    if (bound.status === 'ended') return this.refuse('sessionEnded', 'The session this monitor is bound to has ended');
    const newest = this.newest.get(bound.deviceId);
    if (newest !== undefined && reading.t < newest)
      return this.refuse('outOfOrder', `Out of order: observed at ${new Date(reading.t).toISOString()}, before ${new Date(newest).toISOString()}`);
    this.newest.set(bound.deviceId, reading.t);
    this.keep(bound.sessionId, reading);
    this.counts.accepted++;
    // Not awaited: the ACK does not wait for LiveKit. The limits go with the values, so that the
    // recorder's case has the colours the room saw whenever its recording began.
    this.send(bound.sessionId, { v: VITALS_VERSION, t: reading.t, values: reading.values, limits: bound.limits ?? DEFAULT_VITALS_LIMITS });
    return { sessionId: bound.sessionId };
  }

  /**
   * Sends values to the session's room. A monitor sends every few seconds: a room that cannot be
   * reached (livekit-server down, or the room not open) is logged once, in one line, and again
   * when values reach it, not with a stack for every message.
   */
  private send(sessionId: string, packet: VitalsPacket): void {
    this.rooms.sendVitals(sessionId, packet).then(
      () => {
        if (this.unreachable.delete(sessionId)) console.log(`vitals to room ${sessionId}: livekit-server takes them again`);
      },
      (err: unknown) => {
        if (this.unreachable.has(sessionId)) return;
        this.unreachable.add(sessionId);
        console.error(`vitals to room ${sessionId} failed (not logged again until they get through): ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  /** The session's recent values, oldest first per parameter. */
  historyOf(sessionId: string): SessionVitals['history'] {
    const kept = this.history.get(sessionId);
    return Object.fromEntries([...(kept ?? [])].map(([p, samples]) => [p, [...samples]]));
  }

  /** Forgets a session's values and its monitor's order (the monitor was unbound or changed). */
  forget(sessionId: string, deviceId: string | null) {
    this.history.delete(sessionId);
    if (deviceId) this.newest.delete(deviceId);
  }

  private keep(sessionId: string, { t, values }: MonitorReading) {
    const kept = this.history.get(sessionId) ?? new Map<VitalParameter, VitalSample[]>();
    this.history.set(sessionId, kept);
    for (const p of VITAL_PARAMETERS) {
      const value = values[p];
      if (value === undefined) continue;
      const samples = kept.get(p) ?? [];
      samples.push({ t, value });
      const from = samples.findIndex((s) => s.t >= t - VITALS_HISTORY_MS);
      kept.set(p, from > 0 ? samples.slice(from) : samples);
    }
  }
}
