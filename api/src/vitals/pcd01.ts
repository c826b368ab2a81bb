/**
 * Reads the vital signs out of an IHE PCD-01 ORU^R01 (IHE PCD Technical Framework vol. 2,
 * "Communicate PCD Data"): one message per monitor and moment, OBX per observation.
 */
import type { Hl7Message, Hl7Segment } from '@medplum/core';
import { VITAL_PARAMETERS, type VitalParameter, type VitalValues } from '@loupe/protocol';
import { MDC_UNITS, PLAUSIBLE, parameterOf, preference } from './mdc-codes.ts';

/** The monitor's readings; `deviceIds` are every id it may be bound by (see DeviceId in protocol). */
export type MonitorReading = { deviceIds: string[]; t: number; values: VitalValues };
/** Why a message is refused: AR (not a message this listener takes), AE (one it takes, in error). */
export type Refusal = { ack: 'AE' | 'AR'; reason: string };

/** The readings of `message`, or why it is refused. `now` stands in for a missing observation time. */
export function readPcd01(message: Hl7Message, now: number): MonitorReading | Refusal {
  const msh = message.getSegment('MSH');
  if (!msh) return { ack: 'AR', reason: 'No MSH segment' };
  const type = `${msh.getComponent(9, 1)}^${msh.getComponent(9, 2)}`;
  if (type !== 'ORU^R01') return { ack: 'AR', reason: `Only ORU^R01 is taken here, not ${type}` };
  if (!msh.getField(10)?.toString()) return { ack: 'AR', reason: 'MSH-10 (message control id) is empty' };

  const obxs = message.getAllSegments('OBX');
  const deviceIds = [message.getSegment('PV1')?.getField(3)?.toString() ?? '', ...obxs.map((o) => o.getComponent(18, 1))];
  const distinct = [...new Set(deviceIds.map((id) => id.trim()).filter(Boolean))];
  if (distinct.length === 0) return { ack: 'AE', reason: 'No bed (PV1-3) or device (OBX-18) identifies the monitor' };

  const fallback = hl7Time(message.getSegment('OBR')?.getField(7)?.toString()) ?? hl7Time(msh.getField(7)?.toString()) ?? now;
  const found = new Map<VitalParameter, { value: number; rank: number; t: number }>();
  for (const obx of obxs) {
    const read = readObx(obx);
    if (!read) continue;
    if ('reason' in read) return { ack: 'AE', reason: read.reason };
    const { parameter, value, rank } = read;
    const kept = found.get(parameter);
    if (!kept || rank < kept.rank) found.set(parameter, { value, rank, t: hl7Time(obx.getField(14)?.toString()) ?? fallback });
  }
  if (found.size === 0) return { ack: 'AE', reason: 'No vital sign this listener shows (HR, SpO2, NIBP, RR, temperature, EtCO2) in the message' };
  const values: VitalValues = {};
  for (const p of VITAL_PARAMETERS) if (found.has(p)) values[p] = found.get(p)!.value;
  return { deviceIds: distinct, t: Math.max(...[...found.values()].map((f) => f.t)), values };
}

type ObxRead = { parameter: VitalParameter; value: number; rank: number } | { reason: string };

/** One OBX: its parameter and value in the parameter's unit; undefined when it carries nothing shown. */
function readObx(obx: Hl7Segment): ObxRead | undefined {
  const code = obx.getComponent(3, 1);
  const parameter = parameterOf(code) ?? parameterOf(obx.getComponent(3, 2));
  // Status X: the monitor could not obtain the value (a lead off, a cuff not yet run).
  if (!parameter || obx.getField(11)?.toString() === 'X') return undefined;
  const where = `OBX ${obx.getField(1)?.toString() || '?'} (${obx.getComponent(3, 2) || code})`;
  if (obx.getField(2)?.toString() !== 'NM') return { reason: `${where}: value type must be NM` };
  const text = obx.getField(5)?.toString().trim() ?? '';
  const raw = Number(text);
  if (text === '' || !Number.isFinite(raw)) return { reason: `${where}: "${text}" is not a number` };
  const unit = [obx.getComponent(6, 1), obx.getComponent(6, 2)].filter(Boolean);
  const rule = MDC_UNITS[parameter].find((r) => unit.some((u) => r.names.includes(u)));
  if (!rule) return { reason: `${where}: unit "${unit.join('^') || 'none'}" is not one this parameter is read in` };
  const value = rule.toCanonical(raw);
  const [min, max] = PLAUSIBLE[parameter];
  // A sentinel such as -999 means "no reading", not an alarm.
  if (value < min || value > max) return undefined;
  return { parameter, value: Math.round(value * 10) / 10, rank: preference(parameter, parameterOf(code) ? code : obx.getComponent(3, 2)) };
}

/**
 * An HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]) as ms since the epoch. Without a zone it
 * is the listener's local time, as HL7 v2.5 §2.A.22 leaves it to the sender's site.
 */
export function hl7Time(text: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$/.exec(text?.trim() ?? '');
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const ms = Math.round(Number(`0.${frac}`) * 1000);
  if (!zone) return new Date(+y!, +mo! - 1, +d!, +h, +mi, +s, ms).getTime();
  const offset = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3)));
  return Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s, ms) - offset * 60_000;
}
