/**
 * The annotation protocol: what a mentor's drawing looks like on the wire.
 *
 * - Coordinates are normalised to the video frame itself (0..1 of the picture's width and
 *   height), never to an element or a window, so letterboxing and screen sizes cannot shift
 *   a drawing.
 * - Every op carries the protocol version, the annotation id, its author (the sender's
 *   identity, checked against the server-stamped one), a per-author sequence number, the
 *   session clock time and the video frame the author was looking at.
 * - One op per data packet, far below LiveKit's 15 KiB limit; long strokes are split.
 * - Applying ops is idempotent and order-tolerant (see overlay.ts).
 */
import { z } from 'zod';
import { DicomUid, WINDOW_PRESET_NAMES, type WindowPreset } from './patient.ts';
import { SourceId } from './sources.ts';

/**
 * Version 2 (issue 16): an annotation, the laser and a freeze name the source (theatre's picture)
 * they belong to. A version-1 page would draw every source's marks on its one picture, so the
 * versions do not mix live (receive.ts); a version-1 op is still a valid op (on the main source),
 * as cases recorded before keep them.
 * Version 3: Clear all may name one picture (a version-2 page would clear every picture), and a
 * mentor shares a prior image as a picture (`share`), which a version-2 page cannot show.
 */
export const ANNOTATION_VERSION = 3 as const;

/** LiveKit data topics. */
export const TOPICS = {
  /** Reliable: every op except the laser pointer. */
  ops: 'loupe.ops',
  /** Lossy: the laser pointer, ephemeral. */
  laser: 'loupe.laser',
  /** Text stream to one participant: the whole current overlay. */
  snapshot: 'loupe.snapshot',
  /** Byte stream: the JPEG still of a freeze-frame. */
  freezeFrame: 'loupe.freeze-frame',
  /** Sent by the api (server-originated) to the state holders: someone needs a snapshot. */
  resync: 'loupe.resync',
  /** Lossy, theatre to one mentor: theatre has drawn that mentor's annotation (the delay readout). */
  drawn: 'loupe.drawn',
  /** Sent by the api: an exam of the session changed; pages fetch it again (ExamNotice, exams.ts). */
  exam: 'loupe.exam',
  /** Sent by the api, reliable: the bound monitor's values and the session's limits (VitalsPacket, vitals.ts). */
  vitals: 'loupe.vitals',
  /** Sent by the api, reliable: the session's patient banner changed; pages fetch it (PatientNotice, patient.ts). */
  patient: 'loupe.patient',
  /**
   * Reliable, to one participant whose ops came in an older version than the receiver's: its
   * page is out of date and says "please reload" (its ops are refused, not silently lost).
   * The one message every version keeps as it is.
   */
  version: 'loupe.version',
  /** Reliable, from a mentor: the source they are looking at now (FocusNotice); theatre shows it. */
  focus: 'loupe.focus',
} as const;

/** A packet larger than this is dropped unread. LiveKit's own limit is 15 KiB. */
export const MAX_OP_BYTES = 8 * 1024;
export const MAX_POINTS_PER_OP = 120;
export const MAX_STROKE_POINTS = 20_000;
export const MAX_TEXT_LENGTH = 200;
export const MAX_BOOKMARK_TITLE = 120;
/** A shared prior image's label ("2025-03-02 CT Chest 3 mm"), as everyone's grid shows it. */
export const MAX_SHARE_LABEL = 80;
/** A snapshot's size and ops, at most: the overlay's bound (overlay.ts) keeps a real one well under. */
export const MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024;
export const MAX_SNAPSHOT_OPS = 20_000;
export const MAX_FREEZE_FRAME_BYTES = 4 * 1024 * 1024;
/** In fade mode an annotation disappears this long after it is finished… */
export const FADE_MS = 5000;
/** …fading out over the last this-long of it. */
export const FADE_OUT_MS = 1000;
/** How long the laser pointer's trail stays behind it, live and in replay. */
export const LASER_TRAIL_MS = 700;

/** Colours that stand out on red and pink tissue and on grey ultrasound. */
export const ANNOTATION_COLORS = ['#00e5ff', '#76ff03', '#ffea00', '#448aff', '#ffffff'] as const;
export type AnnotationColor = (typeof ANNOTATION_COLORS)[number];

/** Line widths as a fraction of the picture's width, so they look alike on every screen. */
export const ANNOTATION_WIDTHS = { thin: 0.003, medium: 0.006, thick: 0.012 } as const;
export type AnnotationWidth = keyof typeof ANNOTATION_WIDTHS;

const Coord = z.number().min(0).max(1);
export const Point = z.tuple([Coord, Coord]);
export type Point = z.infer<typeof Point>;

const Points = (min: number) => z.array(Point).min(min).max(MAX_POINTS_PER_OP);

const AnnotationId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

/** The video frame the author was looking at (requestVideoFrameCallback metadata). */
export const FrameRef = z.object({
  /** Presentation time of the frame, in seconds, as the author's video element saw it. */
  media: z.number().min(0).max(1e9),
  /** RTP timestamp of the frame, when it came over WebRTC. */
  rtp: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32)
    .optional(),
  /** The author's count of presented frames. */
  presented: z
    .number()
    .int()
    .min(0)
    .max(2 ** 40)
    .optional(),
});
export type FrameRef = z.infer<typeof FrameRef>;

export const Style = z.object({
  color: z.enum(ANNOTATION_COLORS),
  width: z.enum(['thin', 'medium', 'thick']),
});
export type Style = z.infer<typeof Style>;

const header = {
  /** Live, only ANNOTATION_VERSION is obeyed (receive.ts); a stored case keeps older ops. */
  v: z.number().int().min(1).max(ANNOTATION_VERSION),
  /** The annotation this op is about (for erase/restore: the op's own id). */
  id: AnnotationId,
  /** Identity of the author; receivers drop ops whose author is not the sender. */
  author: z.string().min(1).max(128),
  /** Per-author sequence number, increasing by one per op. */
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Session clock (the api server's clock), epoch milliseconds. */
  t: z.number().min(0).max(1e14),
  frame: FrameRef.nullable(),
};

const Target = z.object({ author: z.string().min(1).max(128), id: AnnotationId });

/**
 * The source (theatre's picture, sources.ts) an annotation, a laser or a freeze is on, normalised
 * to that picture; absent, the main source (ops of version 1, a single-source theatre).
 */
const OnSource = { source: SourceId.optional() };

/**
 * The freeze-frame an annotation was drawn on (the freeze's id); absent, the live picture.
 * A mark drawn on a still belongs to it: it leaves with the still, and never lands on the live
 * picture, where it would point at whatever has moved into its place since.
 */
const OnPicture = { still: AnnotationId.optional(), ...OnSource };
export type Target = z.infer<typeof Target>;

/**
 * One prior image (patient.ts) as the PACS renders it through the api: every member's page
 * fetches it there, with its own member check. UIDs only: no pixels cross the room.
 */
export const PriorImage = z.object({
  study: DicomUid,
  series: DicomUid,
  sop: DicomUid,
  window: z.enum(WINDOW_PRESET_NAMES as [WindowPreset, ...WindowPreset[]]),
});
export type PriorImage = z.infer<typeof PriorImage>;

/** A share's id is also the key of the picture it makes (sources.ts, `sharedSourceId`): lower case and short. */
const ShareId = z.string().regex(/^[a-z0-9]{1,24}$/);

export const AnnotationOp = z.discriminatedUnion('kind', [
  z.object({ ...header, ...OnPicture, kind: z.literal('stroke.begin'), style: Style, fade: z.boolean(), points: Points(0) }),
  z.object({
    ...header,
    kind: z.literal('stroke.points'),
    /** Index in the stroke of the first point of this chunk. */
    from: z.number().int().min(1).max(MAX_STROKE_POINTS),
    points: Points(1),
  }),
  z.object({ ...header, kind: z.literal('stroke.end'), count: z.number().int().min(0).max(MAX_STROKE_POINTS) }),
  z.object({
    ...header,
    ...OnPicture,
    kind: z.literal('shape'),
    shape: z.enum(['arrow', 'ellipse']),
    from: Point,
    to: Point,
    style: Style,
    fade: z.boolean(),
  }),
  z.object({
    ...header,
    ...OnPicture,
    kind: z.literal('text'),
    at: Point,
    text: z.string().min(1).max(MAX_TEXT_LENGTH),
    style: Style,
    fade: z.boolean(),
  }),
  /** Removes one annotation (eraser, undo), or takes back a clear when aimed at the clear op (undo of Clear all). */
  z.object({ ...header, kind: z.literal('erase'), target: Target }),
  /** Brings an erased annotation back (undo of the eraser, redo), or puts a taken-back clear in force again. */
  z.object({ ...header, kind: z.literal('restore'), target: Target }),
  /**
   * Removes every annotation created before this op's time on its source (the picture the mentor
   * is on); one that names no source (before several pictures) removes them on every picture.
   */
  z.object({ ...header, ...OnSource, kind: z.literal('clear') }),
  /** Freeze-frame on (the still follows as a byte stream) or off. `id` names the freeze. */
  z.object({ ...header, ...OnSource, kind: z.literal('freeze'), frozen: z.boolean() }),
  /** Laser pointer: the recent trail, lossy and ephemeral. */
  z.object({ ...header, ...OnSource, kind: z.literal('laser'), points: Points(0) }),
  /**
   * A mentor shows a prior image to everyone as one more picture to draw on (its source id:
   * `sharedSourceId(author, id)`); an erase aimed at it (any mentor's) takes it away, a restore
   * brings it back. Never part of a case: the recorder leaves it out (patient data).
   */
  z.object({ ...header, kind: z.literal('share'), id: ShareId, image: PriorImage, label: z.string().trim().min(1).max(MAX_SHARE_LABEL) }),
  /** A titled moment of the session ("critical view of safety"); a chapter of the recorded case. */
  z.object({ ...header, kind: z.literal('bookmark'), title: z.string().trim().min(1).max(MAX_BOOKMARK_TITLE) }),
]);
export type AnnotationOp = z.infer<typeof AnnotationOp>;
export type AnnotationOpKind = AnnotationOp['kind'];

/** The whole overlay, sent to a participant who joins late or reconnects: ops that rebuild it. */
export const OverlaySnapshot = z.object({
  v: z.literal(ANNOTATION_VERSION),
  kind: z.literal('snapshot'),
  ops: z.array(AnnotationOp).max(MAX_SNAPSHOT_OPS),
});
export type OverlaySnapshot = z.infer<typeof OverlaySnapshot>;

/**
 * Theatre's word to a mentor that it has drawn one of the mentor's annotations on the OR display:
 * the mentor's page times pointer-to-OR from it (its own send time, less half the round trip).
 */
export const DrawnReceipt = z.object({
  v: z.literal(ANNOTATION_VERSION),
  kind: z.literal('drawn'),
  id: AnnotationId,
});
export type DrawnReceipt = z.infer<typeof DrawnReceipt>;

/** What the api sends (server-originated) to the state holders when someone needs the overlay. */
export const ResyncRequest = z.object({
  v: z.literal(ANNOTATION_VERSION),
  kind: z.literal('resync'),
  requester: z.string().min(1).max(128),
});
export type ResyncRequest = z.infer<typeof ResyncRequest>;

/**
 * What a page newer than the sender tells it (TOPICS.version). Its shape never changes with
 * ANNOTATION_VERSION: a page of any version reads it.
 */
export const VersionNotice = z.object({ kind: z.literal('outdated'), v: z.number().int().min(1) });
export type VersionNotice = z.infer<typeof VersionNotice>;

/**
 * A mentor's word of the source they are looking at now (their large picture, or the one they
 * draw on): theatre's display marks it so the surgeon knows where to look. Sent on change, to
 * someone who joins and to everyone on (re)connecting; null when they look at none.
 */
export const FocusNotice = z.object({
  v: z.literal(ANNOTATION_VERSION),
  kind: z.literal('focus'),
  source: SourceId.nullable(),
});
export type FocusNotice = z.infer<typeof FocusNotice>;
