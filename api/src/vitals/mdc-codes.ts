/**
 * IEEE 11073-10101 codes a monitor sends in OBX-3 and OBX-6 of an IHE PCD-01 ORU^R01, as
 * `<code>^<reference id>^MDC`. A code is partition × 2^16 + term code; the vital signs are in
 * partition 2 (SCADA), the units in partition 4 (DIM).
 *
 * Sources: IEEE 11073-10101:2019 (term codes), via the Rosetta Terminology Mapping of the IHE PCD
 * domain (RTM, https://rtmms.nist.gov), and messages as gateways send them: Mindray eGateway and
 * Philips IntelliVue (NIBP as MDC_PRESS_CUFF_*, temperature as MDC_TEMP), GE CARESCAPE (arterial
 * pressure as MDC_PRESS_BLD_ART_*, end-tidal CO₂ as MDC_CONC_AWAY_CO2_EXP); see
 * api/test/pcd01-messages.ts.
 *
 * Note 150033–150035 are MDC_PRESS_BLD_ART_SYS/DIA/MEAN, the invasive arterial line, not NIBP:
 * NIBP is MDC_PRESS_BLD_NONINV_* (150021–150023) or MDC_PRESS_CUFF_* (150301–150303). An arterial
 * line is not a cuff; it is not shown as NIBP.
 */
import type { VitalParameter } from '@loupe/protocol';

/** Per parameter, the codes that carry it, preferred first (ECG heart rate over pulse rate). */
export const MDC_PARAMETERS: Record<VitalParameter, readonly (readonly [code: number, refId: string])[]> = {
  hr: [
    [147842, 'MDC_ECG_HEART_RATE'],
    [149530, 'MDC_PULS_OXIM_PULS_RATE'],
  ],
  spo2: [[150456, 'MDC_PULS_OXIM_SAT_O2']],
  nibpSys: [
    [150021, 'MDC_PRESS_BLD_NONINV_SYS'],
    [150301, 'MDC_PRESS_CUFF_SYS'],
  ],
  nibpDia: [
    [150022, 'MDC_PRESS_BLD_NONINV_DIA'],
    [150302, 'MDC_PRESS_CUFF_DIA'],
  ],
  nibpMean: [
    [150023, 'MDC_PRESS_BLD_NONINV_MEAN'],
    [150303, 'MDC_PRESS_CUFF_MEAN'],
  ],
  rr: [
    [151562, 'MDC_RESP_RATE'],
    [151594, 'MDC_CO2_RESP_RATE'],
  ],
  temp: [
    [150364, 'MDC_TEMP_BODY'],
    [150344, 'MDC_TEMP'],
  ],
  etco2: [
    [151708, 'MDC_AWAY_CO2_ET'],
    [151712, 'MDC_CONC_AWAY_CO2_EXP'],
  ],
};

/** A unit as sent (MDC code, MDC reference id or UCUM), and how to bring a value to the parameter's unit. */
type UnitRule = { names: readonly string[]; toCanonical: (v: number) => number };
const same = (v: number) => v;

/**
 * Per parameter, the units accepted in OBX-6 (VITAL_UNITS is the one kept). °F and kPa are
 * DIM 4416 (MDC_DIM_FAHR) and 3843 (MDC_DIM_KILO_PASCAL: pascal 3840 + the kilo prefix 3).
 */
export const MDC_UNITS: Record<VitalParameter, readonly UnitRule[]> = {
  hr: [{ names: ['264864', 'MDC_DIM_BEAT_PER_MIN', '/min', '{beats}/min', 'bpm'], toCanonical: same }],
  spo2: [{ names: ['262688', 'MDC_DIM_PERCENT', '%'], toCanonical: same }],
  nibpSys: [{ names: ['266016', 'MDC_DIM_MMHG', 'mm[Hg]', 'mmHg'], toCanonical: same }],
  nibpDia: [{ names: ['266016', 'MDC_DIM_MMHG', 'mm[Hg]', 'mmHg'], toCanonical: same }],
  nibpMean: [{ names: ['266016', 'MDC_DIM_MMHG', 'mm[Hg]', 'mmHg'], toCanonical: same }],
  rr: [{ names: ['264928', 'MDC_DIM_RESP_PER_MIN', '/min', '{breaths}/min', 'rpm'], toCanonical: same }],
  temp: [
    { names: ['268192', 'MDC_DIM_DEGC', 'Cel', '°C'], toCanonical: same },
    { names: ['266560', 'MDC_DIM_FAHR', '[degF]', '°F'], toCanonical: (f) => ((f - 32) * 5) / 9 },
  ],
  etco2: [
    { names: ['266016', 'MDC_DIM_MMHG', 'mm[Hg]', 'mmHg'], toCanonical: same },
    { names: ['265987', 'MDC_DIM_KILO_PASCAL', 'kPa'], toCanonical: (kpa) => kpa * 7.50062 },
  ],
};

/**
 * What a value can physically be. Monitors send a sentinel for "no reading" (Mindray -999, -100);
 * outside this range the value is not a reading and is left out.
 */
export const PLAUSIBLE: Record<VitalParameter, readonly [min: number, max: number]> = {
  hr: [0, 350],
  spo2: [0, 100],
  nibpSys: [0, 400],
  nibpDia: [0, 400],
  nibpMean: [0, 400],
  rr: [0, 200],
  temp: [10, 50],
  etco2: [0, 150],
};

const byCode = new Map<string, VitalParameter>();
for (const [parameter, codes] of Object.entries(MDC_PARAMETERS) as [VitalParameter, (typeof MDC_PARAMETERS)[VitalParameter]][])
  for (const [code, refId] of codes) {
    byCode.set(String(code), parameter);
    byCode.set(refId, parameter);
  }

/** The parameter an OBX-3 code or reference id carries, if the strip shows it. */
export const parameterOf = (code: string): VitalParameter | undefined => byCode.get(code);

/** Rank of a code among its parameter's codes (lower is preferred). */
export const preference = (parameter: VitalParameter, code: string) =>
  MDC_PARAMETERS[parameter].findIndex(([c, refId]) => String(c) === code || refId === code);
