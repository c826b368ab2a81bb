/**
 * Vital signs from a patient monitor, as the api receives them over HL7 v2 (IHE PCD-01 ORU^R01
 * over MLLP) and hands them to the session's pages: the packet on TOPICS.vitals, the GET of a
 * session's values, and the alarm limits the session sets.
 */
import { z } from 'zod';
import type { SessionRole } from './roles.ts';

export const VITALS_VERSION = 1;

/** The parameters the monitor strip shows, in its order. */
export const VITAL_PARAMETERS = ['hr', 'spo2', 'nibpSys', 'nibpDia', 'nibpMean', 'rr', 'temp', 'etco2'] as const;
export type VitalParameter = (typeof VITAL_PARAMETERS)[number];

/** The unit each parameter is kept and shown in; the api converts °F and kPa on arrival. */
export const VITAL_UNITS: Record<VitalParameter, string> = {
  hr: '/min',
  spo2: '%',
  nibpSys: 'mmHg',
  nibpDia: 'mmHg',
  nibpMean: 'mmHg',
  rr: '/min',
  temp: '°C',
  etco2: 'mmHg',
};

/**
 * The bed of the demo's patient monitor: the demo seed binds it to the surgery demo session, and
 * `make start` runs the monitor simulator (stack/src/monitor-cli.ts) as that bed.
 */
export const DEMO_MONITOR_BED = 'DEMO-OR1^^1';

/** Session roles that bind a monitor and set the alarm limits (admins too, as everywhere). */
export const VITALS_ROLES: readonly SessionRole[] = ['host', 'mentor'];

/** How long a value stays on the strip as current; older, it is greyed as "no data since …". */
export const VITALS_STALE_MS = 30_000;
/** How much history the api keeps per parameter for a page that opens late (the sparkline's span). */
export const VITALS_HISTORY_MS = 10 * 60_000;

/**
 * A monitor as the api knows it: PV1-3 as sent (the bed, e.g. `OR3^^1`), or the EUI-64 of the
 * device in OBX-18 (IHE PCD TF-2 §C.8). Either may be bound.
 */
export const DeviceId = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\x20-\x7e]+$/, 'printable ASCII, as HL7 sends it');

/** One value at one moment: `t` is the observation time (ms since the epoch). */
export const VitalSample = z.object({ t: z.number().int().nonnegative(), value: z.number().finite() });
export type VitalSample = z.infer<typeof VitalSample>;

/** The values of one message, by parameter; a message carries any subset. */
export const VitalValues = z.partialRecord(z.enum(VITAL_PARAMETERS), z.number().finite());
export type VitalValues = z.infer<typeof VitalValues>;

/** An alarm band: a value below `low` or above `high` is out of limits. */
export const VitalLimit = z
  .object({ low: z.number().finite(), high: z.number().finite() })
  .refine((l) => l.low < l.high, { message: 'low must be below high' });
export type VitalLimit = z.infer<typeof VitalLimit>;

export const VitalsLimits = z.record(z.enum(VITAL_PARAMETERS), VitalLimit);
export type VitalsLimits = z.infer<typeof VitalsLimits>;

/**
 * Adult defaults, as the usual factory alarm settings of bedside monitors (e.g. Philips IntelliVue
 * adult profile: HR 50–120, SpO₂ < 90, NIBP sys 90–160); a session changes them for its patient.
 */
export const DEFAULT_VITALS_LIMITS: VitalsLimits = {
  hr: { low: 50, high: 120 },
  spo2: { low: 90, high: 100 },
  nibpSys: { low: 90, high: 160 },
  nibpDia: { low: 50, high: 90 },
  nibpMean: { low: 65, high: 110 },
  rr: { low: 8, high: 30 },
  temp: { low: 35, high: 38.5 },
  etco2: { low: 30, high: 45 },
};

/** Whether `value` is outside the band; true is the strip's alarm colour. */
export const outOfLimits = (value: number, limit: VitalLimit) => value < limit.low || value > limit.high;

/**
 * Sent by the api (server-originated, reliable) on TOPICS.vitals: each message of the bound
 * monitor with the session's limits, and the limits alone (no values) when the session changes them.
 * The recorder writes them into the case's track (case-track.ts, `vitals` events).
 */
export const VitalsPacket = z.object({
  v: z.literal(VITALS_VERSION),
  t: z.number().int().nonnegative(),
  values: VitalValues,
  limits: VitalsLimits.optional(),
});
export type VitalsPacket = z.infer<typeof VitalsPacket>;

export const BindVitalsBody = z.object({ deviceId: DeviceId });
export type BindVitalsBody = z.infer<typeof BindVitalsBody>;

/** GET /sessions/{id}/vitals: the bound monitor (null: none), the limits, and the recent values. */
export const SessionVitals = z.object({
  v: z.literal(VITALS_VERSION),
  deviceId: DeviceId.nullable(),
  limits: VitalsLimits,
  /** Per parameter, oldest first, at most VITALS_HISTORY_MS back. */
  history: z.partialRecord(z.enum(VITAL_PARAMETERS), z.array(VitalSample)),
});
export type SessionVitals = z.infer<typeof SessionVitals>;
