/**
 * A bedside patient monitor for the demo and the tests: it sends IHE PCD-01 ORU^R01 over real
 * MLLP (TCP) to the api's HL7 listener, as a monitor gateway does, every few seconds. The values
 * drift as a stable adult's do under anaesthesia, and an alarm episode comes round: SpO₂ falls to
 * the mid-80s over half a minute (a desaturation), the heart answers with a tachycardia, then
 * both recover.
 */
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import type { VitalParameter } from '@loupe/protocol';

export type SimulatedValues = Record<VitalParameter, number>;

/** When the alarm episode runs, in ms from the simulator's start: `every` ms, lasting `lasts` ms, the first at `first`. */
export type Episode = { first: number; every: number; lasts: number };
export const DEFAULT_EPISODE: Episode = { first: 60_000, every: 180_000, lasts: 60_000 };

/** How far into its episode (0 = none, 1 = at the worst) the patient is at `ms`; a smooth rise and recovery. */
export function episodeDepth(ms: number, episode: Episode): number {
  if (ms < episode.first) return 0;
  const into = (ms - episode.first) % episode.every;
  if (into >= episode.lasts) return 0;
  return Math.sin((Math.PI * into) / episode.lasts) ** 2;
}

/** Slow breathing-and-drift wander: a sum of sines of unrelated periods, so it never repeats soon. */
const wander = (ms: number, phase: number) =>
  Math.sin(ms / 23_000 + phase) * 0.6 + Math.sin(ms / 61_000 + phase * 2) * 0.3 + Math.sin(ms / 7_000 + phase * 3) * 0.1;

/** The monitor's values `ms` after it started: baselines with drift, and the episode's dip. */
export function simulatedValues(ms: number, episode: Episode = DEFAULT_EPISODE): SimulatedValues {
  const dip = episodeDepth(ms, episode);
  const round = (v: number, decimals = 0) => Number(v.toFixed(decimals));
  const sys = 118 + 6 * wander(ms, 1.3) + 14 * dip;
  const dia = 74 + 4 * wander(ms, 2.1) + 8 * dip;
  return {
    hr: round(72 + 5 * wander(ms, 0) + 56 * dip),
    spo2: round(Math.min(100, 97.5 + 1.2 * wander(ms, 0.7) - 13 * dip)),
    nibpSys: round(sys),
    nibpDia: round(dia),
    nibpMean: round((sys + 2 * dia) / 3),
    rr: round(14 + 2 * wander(ms, 3.4) + 10 * dip),
    temp: round(36.7 + 0.15 * wander(ms / 10, 4.2), 1),
    etco2: round(37 + 2.5 * wander(ms, 5.6) - 6 * dip),
  };
}

/** IEEE 11073 MDC code, reference id and unit of each parameter, as a Mindray eGateway sends them. */
const OBX: Record<VitalParameter, [code: string, unit: string]> = {
  hr: ['147842^MDC_ECG_HEART_RATE^MDC', '264864^MDC_DIM_BEAT_PER_MIN^MDC'],
  spo2: ['150456^MDC_PULS_OXIM_SAT_O2^MDC', '262688^MDC_DIM_PERCENT^MDC'],
  nibpSys: ['150301^MDC_PRESS_CUFF_SYS^MDC', '266016^MDC_DIM_MMHG^MDC'],
  nibpDia: ['150302^MDC_PRESS_CUFF_DIA^MDC', '266016^MDC_DIM_MMHG^MDC'],
  nibpMean: ['150303^MDC_PRESS_CUFF_MEAN^MDC', '266016^MDC_DIM_MMHG^MDC'],
  rr: ['151562^MDC_RESP_RATE^MDC', '264928^MDC_DIM_RESP_PER_MIN^MDC'],
  temp: ['150344^MDC_TEMP^MDC', '268192^MDC_DIM_DEGC^MDC'],
  etco2: ['151708^MDC_AWAY_CO2_ET^MDC', '266016^MDC_DIM_MMHG^MDC'],
};

/** The simulator's device: an EUI-64 of its own, in MSH-3 and every OBX-18. */
const DEVICE = '0012A3FFFE5A1D01^EUI-64';
const PROFILE = 'IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO';

/** A PCD-01 ORU^R01 from the monitor at `bed` (PV1-3, e.g. `OR1^^1`) with `values` observed at `at`. */
export function oruR01(o: { bed: string; controlId: string; at: Date; values: Partial<SimulatedValues> }): string {
  const ts = `${o.at.toISOString().replace(/\D/g, '').slice(0, 14)}+0000`;
  const obx = Object.entries(o.values).map(([p, v], i) => {
    const [code, unit] = OBX[p as VitalParameter];
    return `OBX|${i + 2}|NM|${code}|1.0.${i + 1}|${v}|${unit}|||||R|||${ts}||||${DEVICE}`;
  });
  return [
    `MSH|^~\\&|LOUPE_MONITOR_SIM^${DEVICE}||||${ts}||ORU^R01^ORU_R01|${o.controlId}|P|2.6|||AL|NE||UNICODE UTF-8|||${PROFILE}`,
    `PV1||I|${o.bed}`,
    `OBR|1|${o.controlId}^LOUPE_MONITOR_SIM|${o.controlId}^LOUPE_MONITOR_SIM|182777000^monitoring of patient^SCT|||${ts}`,
    `OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||${DEVICE}`,
    ...obx,
  ].join('\r');
}

export type SentMessage = { controlId: string; at: Date; values: SimulatedValues; ack: string; reason: string };

/**
 * A monitor sending to `host`:`port` over one MLLP connection. `send()` sends one message now
 * and resolves with the api's ACK; `run()` sends every `intervalMs` until `stop()`.
 * @example const monitor = new MonitorSimulator({ host: '127.0.0.1', port: 2575, bed: 'OR1^^1' }); await monitor.send();
 */
export class MonitorSimulator {
  private readonly client: Hl7Client;
  private readonly started = Date.now();
  private count = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly o: { host: string; port: number; bed: string; episode?: Episode; onSent?: (sent: SentMessage) => void };

  constructor(o: { host: string; port: number; bed: string; episode?: Episode; onSent?: (sent: SentMessage) => void }) {
    this.o = o;
    this.client = new Hl7Client({ host: o.host, port: o.port });
  }

  /** Sends the values of now (or of `values`, over the simulated ones) and waits for the ACK. */
  async send(values: Partial<SimulatedValues> = {}, at = new Date()): Promise<SentMessage> {
    const all = { ...simulatedValues(at.getTime() - this.started, this.o.episode), ...values };
    const controlId = `SIM${process.pid}-${++this.count}`;
    const ack = await this.client.sendAndWait(Hl7Message.parse(oruR01({ bed: this.o.bed, controlId, at, values: all })), { timeoutMs: 10_000 });
    const msa = ack.getSegment('MSA');
    const sent = { controlId, at, values: all, ack: msa?.getField(1).toString() ?? '?', reason: msa?.getField(3).toString() ?? '' };
    this.o.onSent?.(sent);
    return sent;
  }

  /** Sends every `intervalMs` until stop(); a failed send (api away) is reported and the next one tried. */
  run(intervalMs: number, onError: (err: unknown) => void = () => undefined): void {
    const tick = async () => {
      if (this.stopped) return;
      await this.send().catch(onError);
      if (!this.stopped) this.timer = setTimeout(tick, intervalMs);
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client.close();
  }
}
