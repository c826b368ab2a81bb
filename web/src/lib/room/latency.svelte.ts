import { RoomEvent, type RemoteParticipant, type Room, type VideoTrack } from 'livekit-client';
import { ANNOTATION_VERSION, DrawnReceipt, TOPICS, roleOf } from '@loupe/protocol';
import type { OpSender } from '$lib/annotate/op-sender.ts';

/** Receipts timed, at most: the readout shows the median of the latest. */
const DRAWN_KEPT = 9;

/**
 * The delays the mentor lives with:
 * - drawing: measured, pointer-to-OR: from the moment the mentor's annotation went out to the
 *   moment theatre's display drew it (theatre acknowledges each new annotation once it is on
 *   screen, see OverlaySync), less the acknowledgement's own way back, half the round trip;
 * - network: the round trip of the connection the picture comes over (ICE candidate pair);
 * - video: half the round trip, the jitter buffer and the decode.
 */
export class LatencyReadout {
  rttMs = $state<number | null>(null);
  videoMs = $state<number | null>(null);
  /** Pointer-to-OR, measured; null until theatre has acknowledged a drawing. */
  drawingMs = $state<number | null>(null);
  private drawn: number[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private unlisten: (() => void) | null = null;

  start(room: Room, picture: () => VideoTrack | null, sender: OpSender): void {
    this.stop();
    this.timer = setInterval(() => void this.sample(picture()), 2000);
    const onData = (payload: Uint8Array, from?: RemoteParticipant, _kind?: unknown, topic?: string) => {
      if (topic === TOPICS.drawn && roleOf(from?.attributes) === 'theatre') this.onDrawn(payload, sender);
    };
    room.on(RoomEvent.DataReceived, onData);
    this.unlisten = () => room.off(RoomEvent.DataReceived, onData);
  }

  stop(): void {
    clearInterval(this.timer);
    this.unlisten?.();
    this.unlisten = null;
  }

  private onDrawn(payload: Uint8Array, sender: OpSender): void {
    let receipt;
    try {
      receipt = DrawnReceipt.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    } catch {
      return;
    }
    if (!receipt.success || receipt.data.v !== ANNOTATION_VERSION) return;
    const sentAt = sender.sentAt.get(receipt.data.id);
    if (sentAt === undefined) return;
    sender.sentAt.delete(receipt.data.id);
    const roundTrip = performance.now() - sentAt;
    this.drawn = [...this.drawn.slice(-(DRAWN_KEPT - 1)), Math.max(0, roundTrip - (this.rttMs ?? 0) / 2)];
    const sorted = [...this.drawn].sort((a, b) => a - b);
    this.drawingMs = sorted[Math.floor(sorted.length / 2)]!;
  }

  private async sample(track: VideoTrack | null): Promise<void> {
    // The picture's own connection: its stats name the candidate pair in use. (With one peer
    // connection for everything, livekit-client has no separate subscriber transport to ask.)
    const stats = track && !track.isLocal ? await track.getRTCStatsReport().catch(() => undefined) : undefined;
    this.rttMs = stats ? roundTrip(stats) : null;
    let video: number | null = null;
    stats?.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video' && s.jitterBufferEmittedCount > 0) {
        const buffer = (s.jitterBufferDelay / s.jitterBufferEmittedCount) * 1000;
        const decode = s.framesDecoded > 0 ? (s.totalDecodeTime / s.framesDecoded) * 1000 : 0;
        video = buffer + decode + (this.rttMs ?? 0) / 2;
      }
    });
    this.videoMs = video;
  }
}

/** The round trip of the candidate pair in use, in ms: the one the transport names, else the one that succeeded. */
function roundTrip(report: RTCStatsReport): number | null {
  let pairId: string | undefined;
  report.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  let rtt: number | null = null;
  report.forEach((s) => {
    if (s.type !== 'candidate-pair' || typeof s.currentRoundTripTime !== 'number') return;
    if (pairId ? s.id === pairId : s.state === 'succeeded' && s.nominated) rtt = s.currentRoundTripTime * 1000;
  });
  return rtt;
}
