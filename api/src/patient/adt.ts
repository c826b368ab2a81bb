/**
 * Reads the patient out of an HL7 v2 ADT^A01 (admit) or ADT^A08 (update patient information):
 * PID for who they are, PV1-3 for the bed they are in, AL1 for their allergies (HL7 v2.5 ch. 3).
 */
import type { Hl7Message, Hl7Segment } from '@medplum/core';
import { PATIENT_SEXES } from '@loupe/protocol';
import type { Refusal } from '../vitals/pcd01.ts';

/** The ADT events that carry the patient's current details. */
const TAKEN_EVENTS = ['A01', 'A08'];

export type AdtPatient = {
  /** PV1-3 as sent: the bed, matched against the sessions' bound monitors. */
  bed: string;
  controlId: string;
  name: string;
  sex: (typeof PATIENT_SEXES)[number] | null;
  birthDate: string | null;
  mrn: string;
  allergies: string[];
};

/** Whether the listener hands `message` to this reader rather than to the vitals one. */
export const isAdt = (message: Hl7Message) => message.getSegment('MSH')?.getComponent(9, 1) === 'ADT';

export function readAdt(message: Hl7Message): AdtPatient | Refusal {
  const msh = message.getSegment('MSH')!;
  const event = msh.getComponent(9, 2);
  if (!TAKEN_EVENTS.includes(event)) return { ack: 'AR', reason: `Only ADT^A01 and ADT^A08 are taken here, not ADT^${event}` };
  const controlId = msh.getField(10)?.toString() ?? '';
  if (!controlId) return { ack: 'AR', reason: 'MSH-10 (message control id) is empty' };
  const pid = message.getSegment('PID');
  if (!pid) return { ack: 'AE', reason: 'No PID segment: the message names no patient' };
  const bed = message.getSegment('PV1')?.getField(3)?.toString().trim() ?? '';
  if (!bed) return { ack: 'AE', reason: 'No bed (PV1-3): the message cannot be matched to a session' };

  const mrn = medicalRecordNumber(pid);
  if (!mrn) return { ack: 'AE', reason: 'No patient identifier (PID-3)' };
  const family = pid.getComponent(5, 1).trim();
  const given = pid.getComponent(5, 2).trim();
  if (!family && !given) return { ack: 'AE', reason: 'No patient name (PID-5)' };
  const sexCode = pid.getField(8)?.toString().trim() ?? '';
  if (sexCode && !(PATIENT_SEXES as readonly string[]).includes(sexCode)) return { ack: 'AE', reason: `PID-8 "${sexCode}" is not an HL7 table 0001 sex` };
  const birth = pid.getField(7)?.toString().trim() ?? '';
  const birthDate = birth ? hl7Date(birth) : null;
  if (birth && !birthDate) return { ack: 'AE', reason: `PID-7 "${birth}" is not a date (YYYYMMDD)` };

  return {
    bed,
    controlId,
    name: [family.toUpperCase(), given].filter(Boolean).join(', '),
    sex: (sexCode || null) as AdtPatient['sex'],
    birthDate,
    mrn,
    allergies: message.getAllSegments('AL1').map(allergy).filter(Boolean),
  };
}

/**
 * PID-3's repetition of type MR (medical record number), else its first: the id the hospital's
 * PACS files the patient's images under (PatientID).
 */
function medicalRecordNumber(pid: Hl7Segment): string {
  const field = pid.getField(3);
  if (!field) return '';
  const ids = Array.from({ length: field.components.length }, (_, i) => ({
    id: field.getComponent(1, undefined, i).trim(),
    type: field.getComponent(5, undefined, i).trim(),
  }));
  return (ids.find((r) => r.type === 'MR' && r.id) ?? ids.find((r) => r.id))?.id ?? '';
}

/** AL1-3 (the allergen: its text, else its code) with AL1-4's severity code (SV, MO, MI, U). */
function allergy(al1: Hl7Segment): string {
  const allergen = (al1.getComponent(3, 2) || al1.getComponent(3, 1)).trim();
  const severity = al1.getComponent(4, 1).trim();
  return allergen && severity ? `${allergen} (${severity})` : allergen;
}

/** YYYY[MM[DD]]… as `YYYY-MM-DD` (or `YYYY-MM`, `YYYY`); null when it is not a date. */
function hl7Date(text: string): string | null {
  const m = /^(\d{4})(\d{2})?(\d{2})?(?:\d{2,6}(?:\.\d{1,4})?)?(?:[+-]\d{4})?$/.exec(text);
  if (!m) return null;
  const [, y, mo, d] = m;
  if (mo && (+mo < 1 || +mo > 12)) return null;
  if (d && (+d < 1 || +d > 31)) return null;
  return [y, mo, d].filter(Boolean).join('-');
}

/** Whole years from `birthDate` to `now`; null without a full date. */
export function ageInYears(birthDate: string | null, now: Date): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate ?? '');
  if (!m) return null;
  const [, y, mo, d] = m.map(Number) as [number, number, number, number];
  const before = now.getUTCMonth() + 1 < mo || (now.getUTCMonth() + 1 === mo && now.getUTCDate() < d);
  return now.getUTCFullYear() - y - (before ? 1 : 0);
}
