/**
 * A protocol as its editor holds it: the fields of `ProtocolBody`, with number fields that may
 * be empty while typed, and for each view whether its key came from an earlier version (such a
 * key stays: stills and QC statistics refer to it).
 */
import { referenceImageUrl, type ExamType, type ProtocolBody, type ScanProtocol, type ScanView, type Words } from '@loupe/protocol';
import type { z } from 'zod';

export type DraftView = {
  /** Keys the view in the editor's list, whatever its key field says. */
  uid: number;
  key: string;
  /** From an earlier version: its key is kept. */
  carried: boolean;
  /** A new view's key follows its English name until typed by hand. */
  keyFollowsName: boolean;
  name: Words;
  required: boolean;
  min: number | null;
  max: number | null;
  acceptance: Words;
  /** The reference image the view names (an upload's id), and where the editor shows it from. */
  referenceImage?: string;
  preview?: string;
};

export type Draft = { key: string; examType: ExamType; name: Words; source: string; views: DraftView[] };

let uids = 0;

export function draftView(view?: ScanView, from?: ScanProtocol): DraftView {
  return view
    ? {
        uid: ++uids,
        ...structuredClone(view),
        carried: true,
        keyFollowsName: false,
        ...(view.referenceImage && from ? { preview: referenceImageUrl(from, view.key) } : {}),
      }
    : {
        uid: ++uids,
        key: '',
        carried: false,
        keyFollowsName: true,
        name: { en: '', zh: '' },
        required: true,
        min: 1,
        max: 1,
        acceptance: { en: '', zh: '' },
      };
}

/** A draft of a new version of `from`, or of a new protocol. */
export function draftOf(from?: ScanProtocol): Draft {
  if (!from) return { key: '', examType: 'other', name: { en: '', zh: '' }, source: '', views: [draftView()] };
  return { key: from.key, examType: from.examType, name: { ...from.name }, source: from.source, views: from.views.map((v) => draftView(v, from)) };
}

/**
 * A key made from an English name: "Right upper quadrant (Morison's pouch)" → `right_upper_quadrant_morison_s_pouch`.
 * Protocol keys may hold `-`, view keys may not; `_` suits both.
 */
export function keyFrom(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 48)
    .replace(/_+$/, '');
}

/** What the api is sent: the draft without the editor's own fields. */
export function bodyOf(draft: Draft): Record<keyof ProtocolBody, unknown> {
  return {
    key: draft.key,
    examType: draft.examType,
    name: draft.name,
    source: draft.source,
    // A view keeps its reference image into the next version unless the lead replaced or removed it.
    views: draft.views.map(({ key, name, required, min, max, acceptance, referenceImage }) => ({
      key,
      name,
      required,
      min,
      max,
      acceptance,
      ...(referenceImage ? { referenceImage } : {}),
    })),
  };
}

/** The fields a failed parse names, as dotted paths (`name.zh`, `views.2.min`, `views`). */
export function invalidPaths(error: z.ZodError): Set<string> {
  return new Set(error.issues.map((issue) => issue.path.join('.')));
}

/** View keys used more than once. */
export function repeatedKeys(views: readonly Pick<DraftView, 'key'>[]): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { key } of views) (seen.has(key) ? repeated : seen).add(key);
  return repeated;
}
