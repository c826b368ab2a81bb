/**
 * The mentor's drawing tools: turns pointer input on the picture into ops, keeps the undo
 * history of the mentor's own actions (drawing, erasing, clearing), and runs freeze-frame.
 */
import {
  ANNOTATION_COLORS,
  isOnPicture,
  isOnSource,
  toPixels,
  TOPICS,
  type AnnotationColor,
  type AnnotationWidth,
  type Point,
  type Rect,
} from '@loupe/protocol';
import type { Room } from 'livekit-client';
import type { Preview } from './AnnotationCanvas.svelte';
import { hitTest } from './hit-test.ts';
import { isMoot, OwnHistory, type HistoryStep, type OwnAction } from './history.ts';
import { newAnnotationId, type OpSender } from './op-sender.ts';
import type { OverlaySync } from './overlay-sync.svelte.ts';

export const TOOLS = ['pen', 'arrow', 'ellipse', 'text', 'laser', 'eraser'] as const;
export type Tool = (typeof TOOLS)[number];

export type PendingText = { at: Point; value: string };

export class MentorDrawing {
  tool = $state<Tool>('pen');
  color = $state<AnnotationColor>(ANNOTATION_COLORS[0]);
  width = $state<AnnotationWidth>('medium');
  fade = $state(false);
  preview = $state<Preview>(null);
  pendingText = $state<PendingText | null>(null);
  /** The picture holds as many annotations as it may: erase or clear some to draw more. */
  full = $state(false);
  canUndo = $state(false);
  canRedo = $state(false);

  readonly sender: OpSender;
  private readonly sync: OverlaySync;
  private readonly room: Room;
  private readonly history = new OwnHistory();
  private readonly author: string;
  private dragFrom: Point | null = null;
  private drawing = false;
  private readonly archive?: (frame: HTMLCanvasElement) => Promise<void>;
  private readonly source: () => string | null;

  /**
   * `archive`: keeps each frozen frame (the session's stills, see freeze-archive.ts). `source`:
   * the picture drawn on now (its id; null with one picture), whose marks the eraser and Clear reach.
   */
  constructor(o: {
    room: Room;
    sync: OverlaySync;
    sender: OpSender;
    author: string;
    defaultColor?: AnnotationColor;
    archive?: (frame: HTMLCanvasElement) => Promise<void>;
    source?: () => string | null;
  }) {
    this.room = o.room;
    this.source = o.source ?? (() => null);
    this.archive = o.archive;
    this.sync = o.sync;
    this.author = o.author;
    this.sender = o.sender;
    if (o.defaultColor) this.color = o.defaultColor;
  }

  private get style() {
    return { color: this.color, width: this.width };
  }

  private remember(action: OwnAction) {
    this.history.record(action);
    this.refreshHistory();
  }

  private refreshHistory() {
    this.canUndo = this.history.canUndo;
    this.canRedo = this.history.canRedo;
  }

  /**
   * Whether another annotation may go on the picture (the overlay's bound, which every receiver
   * keeps): if not, nothing is sent and the toolbar says so until there is room again.
   */
  private roomForOne(): boolean {
    this.full = !this.sync.state.hasRoomFor(this.author);
    return !this.full;
  }

  /** Pointer input on the picture, already in normalised coordinates. */
  pointer(phase: 'down' | 'move' | 'up', points: Point[], rect: Rect): void {
    const last = points[points.length - 1];
    if (!last) return;
    const creates = phase === 'down' && (this.tool === 'pen' || this.tool === 'arrow' || this.tool === 'ellipse' || this.tool === 'text');
    if (creates && !this.roomForOne()) return;
    switch (this.tool) {
      case 'pen':
        if (phase === 'down') {
          this.drawing = true;
          this.remember({ kind: 'added', target: { author: this.author, id: this.sender.beginStroke(last, this.style, this.fade) } });
        } else if (this.drawing) {
          this.sender.addPoints(points);
          if (phase === 'up') {
            this.drawing = false;
            this.sender.endStroke();
          }
        }
        break;
      case 'arrow':
      case 'ellipse':
        if (phase === 'down') this.dragFrom = last;
        if (!this.dragFrom) return;
        this.preview = { kind: this.tool, from: this.dragFrom, to: last, style: this.style };
        if (phase === 'up') {
          const from = this.dragFrom;
          this.dragFrom = null;
          this.preview = null;
          if (Math.hypot(last[0] - from[0], last[1] - from[1]) < 0.005) return;
          const id = newAnnotationId();
          this.sender.send({ kind: 'shape', id, shape: this.tool, from, to: last, style: this.style, fade: this.fade });
          this.remember({ kind: 'added', target: { author: this.author, id } });
        }
        break;
      case 'text':
        if (phase === 'down') this.pendingText = { at: last, value: '' };
        break;
      case 'laser':
        if (phase === 'down') this.drawing = true;
        if (this.drawing) this.sender.laser(points);
        if (phase === 'up') this.drawing = false;
        break;
      case 'eraser':
        if (phase === 'down') {
          // Only what is on the picture being drawn on (the still while frozen) can be hit.
          const freeze = this.sync.state.freeze;
          const onScreen = this.onThisPicture().filter((a) => isOnPicture(a, freeze?.frozen ? freeze.id : null));
          const hit = hitTest(onScreen, toPixels(last, rect), rect);
          if (!hit) break;
          const target = { author: hit.author, id: hit.id };
          this.sender.erase(target);
          this.remember({ kind: 'erased', target });
        }
        break;
    }
  }

  placeText(): void {
    const pending = this.pendingText;
    this.pendingText = null;
    const text = pending?.value.trim();
    if (!pending || !text || !this.roomForOne()) return;
    const id = newAnnotationId();
    this.sender.send({ kind: 'text', id, at: pending.at, text: text.slice(0, 200), style: this.style, fade: this.fade });
    this.remember({ kind: 'added', target: { author: this.author, id } });
  }

  undo(): void {
    this.take(this.history.undo((action) => isMoot(action, this.sync.state)));
  }

  redo(): void {
    this.take(this.history.redo());
  }

  private take(step: HistoryStep | null) {
    if (step?.kind === 'erase') this.sender.erase(step.target);
    if (step?.kind === 'restore') this.sender.restore(step.target);
    this.refreshHistory();
  }

  /** The marks on the picture drawn on now (every mark, with one picture). */
  private onThisPicture() {
    const source = this.source();
    return this.sync.visible().filter((a) => source === null || isOnSource(a.source, source));
  }

  /** Clears the picture drawn on for everyone (the op names it, op-sender.ts); undo brings back everything it hid. */
  clear(): void {
    const hides = this.onThisPicture().length > 0;
    const id = newAnnotationId();
    this.sender.send({ kind: 'clear', id });
    if (hides) this.remember({ kind: 'cleared', target: { author: this.author, id } });
  }

  /** Freezes the frame now on `video`: everyone gets the same still (a JPEG byte stream). */
  async freeze(video: HTMLVideoElement): Promise<void> {
    if (!video.videoWidth) return;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d')!.drawImage(video, 0, 0);
    // The room gets a JPEG now; the archive a lossless copy of the same pixels, on its own time.
    void this.archive?.(canvas);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.88));
    if (!blob) return;
    const id = newAnnotationId();
    this.sync.addStill(id, blob);
    await this.room.localParticipant
      .sendBytes(new Uint8Array(await blob.arrayBuffer()), {
        topic: TOPICS.freezeFrame,
        attributes: { freezeId: id },
        mimeType: 'image/jpeg',
      })
      .catch(() => undefined);
    this.sender.send({ kind: 'freeze', id, frozen: true });
  }

  resume(): void {
    const freeze = this.sync.state.freeze;
    if (freeze?.frozen) this.sender.send({ kind: 'freeze', id: freeze.id, frozen: false });
  }

  dispose(): void {}
}
