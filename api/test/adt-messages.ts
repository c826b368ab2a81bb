/**
 * HL7 v2.5 ADT messages as a hospital's ADT feed sends them (HL7 v2.5 ch. 3, ADT^A01 admit and
 * ADT^A08 update): PID-3 with several identifiers (the MR one is the PatientID of the PACS), PV1-3
 * the bed, one AL1 per allergy. Segments end in CR.
 */
export type AdtFields = {
  event?: 'A01' | 'A08' | 'A03';
  controlId: string;
  bed: string;
  mrn: string;
  family: string;
  given: string;
  birth?: string;
  sex?: string;
  allergies?: [string, string][];
};

export function adt(f: AdtFields): string {
  const event = f.event ?? 'A01';
  return [
    `MSH|^~\\&|EPIC|HOSP|LOUPE|LOUPE|20261206120000+0000||ADT^${event}^ADT_A01|${f.controlId}|P|2.5`,
    `EVN|${event}|20261206120000+0000`,
    // The national id first: the MR repetition is the one looked for, not the first.
    `PID|1||110105197001011234^^^CN^NI~${f.mrn}^^^HOSP^MR||${f.family}^${f.given}^^^^^L||${f.birth ?? ''}|${f.sex ?? ''}`,
    `PV1|1|I|${f.bed}||||1234^Attending^Anna`,
    ...(f.allergies ?? []).map(([allergen, severity], i) => `AL1|${i + 1}|DA|^${allergen}|${severity}|Rash`),
  ].join('\r');
}
