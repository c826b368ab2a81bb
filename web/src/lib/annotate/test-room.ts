/**
 * A mentor's page for the annotate tests, with no LiveKit: a room that keeps what the page
 * publishes, the overlay, the sender and the drawing tools wired as the mentor page wires them,
 * and animation frames that run when the test paints one.
 */
import { vi } from 'vitest';
import type { Room } from 'livekit-client';
import { TOPICS, type AnnotationOp, type Rect } from '@loupe/protocol';
import { MentorDrawing } from './drawing.svelte.ts';
import { OpSender } from './op-sender.ts';
import { OverlaySync } from './overlay-sync.svelte.ts';

/** requestAnimationFrame stubbed: callbacks wait until `paint()`. Undo with `vi.unstubAllGlobals()`. */
export function fakeFrames() {
  let next = 1;
  const waiting = new Map<number, FrameRequestCallback>();
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => (waiting.set(next, cb), next++));
  vi.stubGlobal('cancelAnimationFrame', (id: number) => waiting.delete(id));
  return {
    /** The browser paints a frame: every callback asked for before it runs. */
    paint() {
      const due = [...waiting.values()];
      waiting.clear();
      for (const cb of due) cb(performance.now());
    },
    get requested() {
      return waiting.size;
    },
  };
}

export type Packet = { op: AnnotationOp; topic: string | undefined; reliable: boolean | undefined };

/** A room that keeps every packet this page publishes, and hears nothing from anyone else. */
export function quietRoom(identity: string, role: string) {
  const packets: Packet[] = [];
  const room = {
    on: () => room,
    off: () => room,
    registerTextStreamHandler: () => undefined,
    registerByteStreamHandler: () => undefined,
    unregisterTextStreamHandler: () => undefined,
    unregisterByteStreamHandler: () => undefined,
    remoteParticipants: new Map(),
    localParticipant: {
      identity,
      attributes: { role },
      publishData: async (bytes: Uint8Array, o: { reliable?: boolean; topic?: string }) =>
        void packets.push({ op: JSON.parse(new TextDecoder().decode(bytes)) as AnnotationOp, topic: o.topic, reliable: o.reliable }),
      sendBytes: async () => undefined,
    },
  };
  return { room: room as unknown as Room, packets };
}

/** The picture fills a 1000 × 500 box. */
export const RECT: Rect = { x: 0, y: 0, width: 1000, height: 500 };

/**
 * A mentor's page: their tools, the overlay they see, and the ops they have sent. `source`: the
 * picture they are on (null: one picture, as before several).
 */
export function mentorPage(author = 'mentor-1', source: () => string | null = () => null) {
  const { room, packets } = quietRoom(author, 'mentor');
  // Each op a millisecond after the one before: a mentor's hand is not faster, and the overlay
  // orders a clear against what was drawn by time.
  let t = Date.now();
  const now = () => ++t;
  const sync = new OverlaySync(room, now);
  const sender = new OpSender({ room, author, now, frame: () => null, still: () => null, source, applyOwn: (op) => sync.applyOwn(op) });
  const drawing = new MentorDrawing({ room, sync, sender, author, source });
  return {
    drawing,
    sync,
    /** The kinds of the reliable ops sent, in order. */
    sent: () => packets.filter((p) => p.topic === TOPICS.ops).map((p) => p.op.kind),
    packets,
    /** What the mentor sees on the picture: each annotation's kind. */
    shown: () => sync.visible().map((a) => a.kind),
    dispose() {
      sender.dispose();
      sync.dispose();
    },
  };
}
