/**
 * Text that looks like a patient identifier: a name after a title, a record number, a date of
 * birth, an ID card number. Case text is for teaching; the editor warns before saving.
 */
const PATTERNS: { what: string; re: RegExp }[] = [
  { what: 'a name with a title', re: /\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Patient)\.?\s+[A-Z][a-z]+/ },
  { what: 'a Chinese name with 患者/病人', re: /(?:患者|病人)\s*[\u4e00-\u9fa5]{2,3}/ },
  { what: 'a record number', re: /(?:\b(?:MRN|HN|ID|NHS)|病历号|住院号)\s*[:#：]?\s*\d{5,}/i },
  { what: 'a date of birth', re: /(?:\b(?:DOB|D\.O\.B|born)|出生)\s*[:：]?\s*\d{1,4}[-/.年]\d{1,2}[-/.月]\d{1,4}/i },
  { what: 'an ID card number', re: /\b\d{17}[\dXx]\b/ },
];

/** What the text seems to contain, or null. */
export function identifierIn(text: string): string | null {
  return PATTERNS.find((p) => p.re.test(text))?.what ?? null;
}
