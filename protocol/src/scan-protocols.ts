/**
 * Scan protocols of the remote ultrasound centre: which standard views an exam needs, in which
 * order, how many of each, and what each image must show to be accepted. A protocol is versioned:
 * an edit makes a new version, and an exam keeps the version it ran on. The built-in protocols
 * below follow published view lists; each names its source.
 */
import { z } from 'zod';
import builtIn from './scan-protocols.json' with { type: 'json' };

/** Words for people, in both of Loupe's languages. */
export const Words = z.object({ en: z.string().trim().min(1).max(400), zh: z.string().trim().min(1).max(400) });
export type Words = z.infer<typeof Words>;

export const EXAM_TYPES = ['efast', 'cardiac', 'obstetric', 'abdominal', 'thyroid', 'other'] as const;
export type ExamType = (typeof EXAM_TYPES)[number];

/**
 * A reference image of a view: what a good image of it looks like, shown to the sonographer beside
 * the acceptance text and to the reviewer beside the still. Never a patient's image: a diagram or
 * a teaching image the QC lead may publish. Kept by the api under the SHA-256 of its bytes, so a
 * version's image never changes, and a new version names the same one unless the lead replaces it.
 */
export const REFERENCE_IMAGE_TYPES = ['image/png', 'image/jpeg'] as const;
export type ReferenceImageType = (typeof REFERENCE_IMAGE_TYPES)[number];
export const MAX_REFERENCE_IMAGE_BYTES = 2 * 1024 * 1024;
/** Each side of a reference image, in pixels: enough for a 4K screen grab, small enough to decode at once. */
export const REFERENCE_IMAGE_SIDE = { min: 16, max: 4096 } as const;
export const ReferenceImageId = z.string().regex(/^[0-9a-f]{64}$/, 'A reference image is named by its SHA-256 (64 hex digits)');

/** An uploaded reference image, as the api answers it: a view names it by `id`. */
export const ReferenceImage = z
  .object({ id: ReferenceImageId, type: z.enum(REFERENCE_IMAGE_TYPES), width: z.number().int(), height: z.number().int(), bytes: z.number().int() })
  .meta({ id: 'ReferenceImage' });
export type ReferenceImage = z.infer<typeof ReferenceImage>;

export const ScanView = z
  .object({
    /** Stable within a protocol's versions: stills and QC statistics refer to it. */
    key: z.string().regex(/^[a-z0-9_]{1,48}$/),
    name: Words,
    required: z.boolean(),
    min: z.number().int().min(0).max(20),
    max: z.number().int().min(1).max(20),
    /** What the image must show to be accepted (the sonographer sees it beside the picture). */
    acceptance: Words,
    /** The view's reference image (an upload's `id`), if it has one. */
    referenceImage: ReferenceImageId.optional(),
  })
  .refine((v) => v.min <= v.max, { message: 'min must not exceed max', path: ['min'] })
  .refine((v) => !v.required || v.min >= 1, { message: 'a required view needs at least one image', path: ['min'] });
export type ScanView = z.infer<typeof ScanView>;

export const ScanProtocol = z
  .object({
    key: z.string().regex(/^[a-z0-9_-]{1,48}$/),
    version: z.number().int().min(1),
    examType: z.enum(EXAM_TYPES),
    name: Words,
    /** Where the view list comes from (guideline, paper), for the QC lead and the auditor. */
    source: z.string().trim().min(1).max(400),
    views: z.array(ScanView).min(1).max(40),
  })
  .refine((p) => new Set(p.views.map((v) => v.key)).size === p.views.length, { message: 'view keys must be unique', path: ['views'] });
export type ScanProtocol = z.infer<typeof ScanProtocol>;

/**
 * The built-in protocols, as data (`scan-protocols.json`), each with the source its view list
 * follows: eFAST (Kirkpatrick 2004; ACEP 2014), focused cardiac (Via 2014; ASE 2013), obstetric
 * biometry (ISUOG 2019), abdomen (AIUM 2022; 中国腹部超声检查指南 2017), thyroid (AIUM 2022;
 * ACR TI-RADS 2017). Read through the schema, so a mistake in the file fails at load and in the tests.
 */
export const BUILT_IN_PROTOCOLS: readonly ScanProtocol[] = z.array(ScanProtocol).parse(builtIn);

/** A new protocol, or a new version of one: the api numbers versions. */
export const ProtocolBody = z
  .object({
    key: z.string().regex(/^[a-z0-9_-]{1,48}$/, 'Use lower-case letters, digits, - and _'),
    examType: z.enum(EXAM_TYPES),
    name: Words,
    source: z.string().trim().min(1).max(400),
    views: z.array(ScanView).min(1).max(40),
  })
  .refine((p) => new Set(p.views.map((v) => v.key)).size === p.views.length, { message: 'view keys must be unique', path: ['views'] })
  .meta({ id: 'ProtocolBody' });
export type ProtocolBody = z.infer<typeof ProtocolBody>;

/** A stored protocol version; `inUse` once an exam ran on it (it can no longer change). */
export const StoredProtocol = z
  .object({
    key: z.string(),
    version: z.number(),
    examType: z.enum(EXAM_TYPES),
    name: Words,
    source: z.string(),
    views: z.array(ScanView),
    builtIn: z.boolean(),
    inUse: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'StoredProtocol' });
export type StoredProtocol = z.infer<typeof StoredProtocol>;

export const ProtocolList = z.object({ protocols: z.array(StoredProtocol) }).meta({ id: 'ProtocolList' });
export type ProtocolList = z.infer<typeof ProtocolList>;

/** Where the page loads a protocol version's reference image of a view (the api checks who asks). */
export function referenceImageUrl(protocol: { key: string; version: number }, viewKey: string): string {
  return `/api/protocols/${encodeURIComponent(protocol.key)}/${protocol.version}/views/${encodeURIComponent(viewKey)}/reference`;
}
