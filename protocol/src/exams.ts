/**
 * A guided ultrasound exam: a session runs one or more, each on one version of a scan protocol.
 * Scan room (theatre) captures stills of the protocol's views; a reviewer (mentor) accepts each,
 * or asks for a retake with a reason, and scores it; at the end the reviewer signs the exam. The
 * api keeps the exam; both screens draw the same checklist from it with `checklist()` below.
 */
import { z } from 'zod';
import type { SessionRole } from './roles.ts';
import { AnnotationOp } from './annotation.ts';
import { ScanView, Words, type ScanProtocol } from './scan-protocols.ts';

export const EXAM_STATUSES = ['running', 'signed', 'cancelled'] as const;
export type ExamStatus = (typeof EXAM_STATUSES)[number];

/** Session roles that start an exam (the scan room starts one itself when a mentor is late). */
export const EXAM_START_ROLES: readonly SessionRole[] = ['host', 'mentor', 'theatre'];
/** Session roles that capture stills: the scan room, whose local picture is the original. */
export const CAPTURE_ROLES: readonly SessionRole[] = ['theatre'];
/** Session roles that give verdicts, score, draw on stills and sign the exam. */
export const REVIEW_ROLES: readonly SessionRole[] = ['mentor'];

/**
 * A still as it travels: the original pixels of the scan room's local picture, PNG, checked
 * against the SHA-256 the client computed (sent as RFC 9530 `Content-Digest: sha-256=:…:`).
 */
export const STILL_TYPE = 'image/png';
/** A 1920×1080 RGBA PNG of noisy ultrasound is 3–6 MB; a 4K one up to ~25 MB. */
export const MAX_STILL_BYTES = 32 * 1024 * 1024;
export const MAX_STILL_PIXELS = 4096 * 4096;

/** A still of a protocol view (`capture`), or a freeze frame a mentor took to draw on (`freeze`). */
export const STILL_KINDS = ['capture', 'freeze'] as const;
export type StillKind = (typeof STILL_KINDS)[number];

export const VERDICTS = ['pending', 'accepted', 'retake'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Why a reviewer asks for a retake, besides free text. */
export const RETAKE_REASONS = ['wrong_plane', 'incomplete_anatomy', 'gain_depth', 'artefact', 'motion', 'measurement_missing', 'other'] as const;
export type RetakeReason = (typeof RETAKE_REASONS)[number];

/**
 * Image quality, 1–5, as in ACEP's Emergency Ultrasound Standard Reporting Guidelines (2018),
 * quality assurance scale: 1 no recognisable structures; 2 minimally recognisable, insufficient
 * for diagnosis; 3 minimal criteria met, with technical flaws; 4 minimal criteria met, all
 * structures imaged well; 5 excellent, diagnosis completely supported. 3 and up is diagnostic.
 */
export const QUALITY_SCORES = [1, 2, 3, 4, 5] as const;
export const DIAGNOSTIC_SCORE = 3;

/** Where an accepted still is on its way to the site's PACS (api/src/pacs/). */
export const PACS_STATES = ['none', 'queued', 'sent', 'failed'] as const;
export type PacsState = (typeof PACS_STATES)[number];

const Comment = z.string().trim().max(2000);

/** Optional patient fields for the DICOM header; an exam de-identified for teaching has none. */
export const ExamPatient = z
  .object({
    name: z.string().trim().min(1).max(64),
    id: z.string().trim().min(1).max(64),
    birthDate: z.iso.date().optional(),
    sex: z.enum(['M', 'F', 'O']).optional(),
    accessionNumber: z.string().trim().max(16).optional(),
  })
  .meta({ id: 'ExamPatient' });
export type ExamPatient = z.infer<typeof ExamPatient>;

export const StartExamBody = z
  .object({
    protocolKey: z.string().regex(/^[a-z0-9_-]{1,48}$/),
    /** The protocol's latest version when left out. */
    protocolVersion: z.number().int().min(1).optional(),
    patient: ExamPatient.nullable().default(null),
  })
  .meta({ id: 'StartExamBody' });
export type StartExamBody = z.infer<typeof StartExamBody>;

export const VerdictBody = z
  .discriminatedUnion('verdict', [
    z.object({ verdict: z.literal('accepted'), score: z.number().int().min(1).max(5), comment: Comment.default('') }),
    z.object({
      verdict: z.literal('retake'),
      score: z.number().int().min(1).max(5).nullable().default(null),
      reason: z.enum(RETAKE_REASONS),
      comment: Comment.default(''),
    }),
  ])
  .refine((v) => v.verdict !== 'retake' || v.reason !== 'other' || v.comment.length > 0, {
    message: 'Say what is wrong when the reason is "other"',
    path: ['comment'],
  })
  .meta({ id: 'VerdictBody' });
export type VerdictBody = z.infer<typeof VerdictBody>;

/** The reviewer's drawings on a still: the annotation ops that draw them, replacing the last set. */
export const MAX_STILL_DRAWING_OPS = 2000;
export const StillDrawings = z.object({ ops: z.array(AnnotationOp).max(MAX_STILL_DRAWING_OPS) }).meta({ id: 'StillDrawings' });
export type StillDrawings = z.infer<typeof StillDrawings>;

export const SignExamBody = z.object({ comment: Comment.default('') }).meta({ id: 'SignExamBody' });
export type SignExamBody = z.infer<typeof SignExamBody>;

export const Still = z
  .object({
    id: z.uuid(),
    sessionId: z.uuid(),
    examId: z.uuid().nullable(),
    viewKey: z.string().nullable(),
    kind: z.enum(STILL_KINDS),
    sha256: z.string(),
    width: z.number(),
    height: z.number(),
    bytes: z.number(),
    capturedBy: z.string(),
    capturedAt: z.string(),
    /** Milliseconds into the session's recording when it was captured, if one was running. */
    recordingId: z.uuid().nullable(),
    atMs: z.number().nullable(),
    verdict: z.enum(VERDICTS),
    score: z.number().nullable(),
    reason: z.enum(RETAKE_REASONS).nullable(),
    comment: z.string(),
    verdictBy: z.string().nullable(),
    verdictAt: z.string().nullable(),
    drawings: z.array(AnnotationOp),
    pacs: z.object({ state: z.enum(PACS_STATES), attempts: z.number(), error: z.string().nullable(), sentAt: z.string().nullable() }),
  })
  .meta({ id: 'Still' });
export type Still = z.infer<typeof Still>;

export const Exam = z
  .object({
    id: z.uuid(),
    sessionId: z.uuid(),
    protocolKey: z.string(),
    protocolVersion: z.number(),
    status: z.enum(EXAM_STATUSES),
    deidentified: z.boolean(),
    startedAt: z.string(),
    signedAt: z.string().nullable(),
    signedBy: z.string().nullable(),
    comment: z.string(),
    stills: z.array(Still),
  })
  .meta({ id: 'Exam' });
export type Exam = z.infer<typeof Exam>;

export const ExamList = z.object({ exams: z.array(Exam) }).meta({ id: 'ExamList' });

/** One view's line in the QC report. */
export const ReportView = z.object({
  view: ScanView,
  verdict: z.enum(['accepted', 'retake', 'pending', 'missing']),
  stills: z.number(),
  retakes: z.number(),
  /** First capture of the view to its acceptance. */
  secondsToAccept: z.number().nullable(),
  score: z.number().nullable(),
  /** The reviewer's words on each still of the view, oldest first. */
  comments: z.array(z.object({ verdict: z.enum(VERDICTS), reason: z.enum(RETAKE_REASONS).nullable(), comment: z.string() })),
  acceptedStillId: z.uuid().nullable(),
});
export type ReportView = z.infer<typeof ReportView>;

/** An exam's QC report, as its printable page shows it in both languages. */
export const ExamReport = z
  .object({
    exam: Exam.omit({ stills: true }),
    protocolName: Words,
    session: z.object({ id: z.uuid(), title: z.string() }),
    site: z.string().nullable(),
    reviewSite: z.string().nullable(),
    sonographer: z.string().nullable(),
    reviewer: z.string().nullable(),
    views: z.array(ReportView),
    complete: z.boolean(),
    meanScore: z.number().nullable(),
  })
  .meta({ id: 'ExamReport' });
export type ExamReport = z.infer<typeof ExamReport>;
export type ExamList = z.infer<typeof ExamList>;

/**
 * What the api tells the room when an exam changed (a still arrived, a verdict, a signature):
 * each page fetches the exam again. Sent by the api itself, so nobody can forge one.
 * `captured`: the still `stillId` arrived just now, so the recorder marks it on the case's
 * timeline; a mentor's freeze frame belongs to no exam (`examId` null).
 */
export const ExamNotice = z.object({ v: z.literal(1), examId: z.uuid().nullable(), stillId: z.uuid().optional(), captured: z.literal(true).optional() });
export type ExamNotice = z.infer<typeof ExamNotice>;

/**
 * A still in its teaching case's gallery: where it sits on the case's timeline (`atMs`), and the
 * exam and view it was taken for (null for a mentor's freeze frame).
 */
export const CaseStill = z
  .object({
    still: Still,
    atMs: z.number().min(0),
    exam: z.object({ id: z.uuid(), status: z.enum(EXAM_STATUSES) }).nullable(),
    view: ScanView.nullable(),
  })
  .meta({ id: 'CaseStill' });
export type CaseStill = z.infer<typeof CaseStill>;

export const CaseStills = z.object({ stills: z.array(CaseStill) }).meta({ id: 'CaseStills' });
export type CaseStills = z.infer<typeof CaseStills>;

/** Where one view of a running exam stands. */
export type ViewProgress = {
  view: ScanView;
  accepted: number;
  pending: number;
  retakes: number;
  /** `open`: more images are wanted; `done`: enough accepted for a required view's minimum; `full`: no more may be taken. */
  state: 'missing' | 'open' | 'done' | 'full';
};

export type Checklist = {
  views: ViewProgress[];
  /** The view to take next: the first, in protocol order, still short of an image (pending ones count); null when none is. */
  current: ViewProgress | null;
  /** Required views still short of their minimum. */
  missing: ViewProgress[];
  complete: boolean;
};

/**
 * The exam's checklist, from its protocol and its stills: the one rule both screens and the api
 * follow. A view is closed to captures once its accepted and pending images reach its maximum.
 */
export function checklist(protocol: Pick<ScanProtocol, 'views'>, stills: readonly Pick<Still, 'viewKey' | 'verdict'>[]): Checklist {
  const views = protocol.views.map((view): ViewProgress => {
    const mine = stills.filter((s) => s.viewKey === view.key);
    const accepted = mine.filter((s) => s.verdict === 'accepted').length;
    const pending = mine.filter((s) => s.verdict === 'pending').length;
    const retakes = mine.filter((s) => s.verdict === 'retake').length;
    const state = accepted + pending >= view.max ? 'full' : accepted >= Math.max(view.min, 1) ? 'done' : accepted + pending > 0 ? 'open' : 'missing';
    return { view, accepted, pending, retakes, state };
  });
  const missing = views.filter((p) => p.view.required && p.accepted < p.view.min);
  const current = views.find((p) => p.state !== 'full' && p.accepted + p.pending < Math.max(p.view.min, 1)) ?? null;
  return { views, current, missing, complete: missing.length === 0 };
}

/** Whether a view takes another still now. */
export function acceptsCapture(progress: ViewProgress): boolean {
  return progress.state !== 'full';
}
