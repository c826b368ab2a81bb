import { RoomEvent, type Room } from 'livekit-client';
import {
  DEFAULT_VITALS_LIMITS,
  TOPICS,
  VITALS_HISTORY_MS,
  VITAL_PARAMETERS,
  VitalsPacket,
  type VitalParameter,
  type VitalSample,
  type VitalsLimits,
} from '@loupe/protocol';
import { apiClient, unwrap } from '$lib/api/client.ts';
import { onApiPackets } from '$lib/room/api-packets.ts';
import type { Latest, VitalsView } from './vitals-view.ts';

/**
 * A session's patient monitor as a live page sees it: the history from the api when the page
 * opens (and after a reconnect), then each packet the api sends the room on TOPICS.vitals.
 * Staleness is measured on the page's own clock from when a value arrived, so a monitor whose
 * clock is off does not grey a live feed; values loaded with the page count from their observation.
 */
export class VitalsRoom implements VitalsView {
  deviceId = $state<string | null>(null);
  limits = $state<VitalsLimits>(DEFAULT_VITALS_LIMITS);
  history = $state<Partial<Record<VitalParameter, VitalSample[]>>>({});
  latest = $state<Partial<Record<VitalParameter, Latest>>>({});
  /** Ticks every second, so that a value goes grey when it gets old without a new packet. */
  now = $state(Date.now());

  /** Whether the strip shows: a monitor is bound, or values came (a binding made after the page opened). */
  readonly shown = $derived(this.deviceId !== null || Object.keys(this.latest).length > 0);

  private readonly sessionId: string;
  private readonly dispose: () => void;

  constructor(sessionId: string, room: Room) {
    this.sessionId = sessionId;
    const stopPackets = onApiPackets(room, TOPICS.vitals, VitalsPacket, (packet) => this.take(packet));
    const onReconnected = () => void this.load();
    const tick = setInterval(() => (this.now = Date.now()), 1000);
    room.on(RoomEvent.Reconnected, onReconnected);
    this.dispose = () => {
      clearInterval(tick);
      stopPackets();
      room.off(RoomEvent.Reconnected, onReconnected);
    };
  }

  async load(): Promise<void> {
    try {
      const vitals = await unwrap(apiClient('/api').sessions[':id'].vitals.$get({ param: { id: this.sessionId } }));
      this.deviceId = vitals.deviceId;
      this.limits = vitals.limits;
      this.history = vitals.history;
      const latest: Partial<Record<VitalParameter, Latest>> = {};
      for (const p of VITAL_PARAMETERS) {
        const last = vitals.history[p]?.at(-1);
        if (last) latest[p] = { ...last, seenAt: last.t };
      }
      this.latest = latest;
    } catch {
      // The strip keeps what it has; packets still come.
    }
  }

  close(): void {
    this.dispose();
  }

  private take(packet: VitalsPacket) {
    if (packet.limits) this.limits = packet.limits;
    const seenAt = Date.now();
    const history = { ...this.history };
    const latest = { ...this.latest };
    for (const p of VITAL_PARAMETERS) {
      const value = packet.values[p];
      if (value === undefined) continue;
      // Lossy packets may come out of order, and one may repeat a sample the GET brought: keep time order, once each.
      const kept = (history[p] ?? []).filter((s) => s.t !== packet.t);
      const samples = [...kept, { t: packet.t, value }].sort((a, b) => a.t - b.t);
      const newest = samples.at(-1)!.t;
      history[p] = samples.filter((s) => s.t >= newest - VITALS_HISTORY_MS);
      // An older packet arriving late adds to the trend but does not replace the newer number.
      if (!latest[p] || packet.t >= latest[p].t) latest[p] = { value, t: packet.t, seenAt };
    }
    this.history = history;
    this.latest = latest;
    this.now = seenAt;
  }
}
