import type { Room, VideoTrack } from 'livekit-client';

/**
 * A live estimate of the delays the mentor lives with, from WebRTC statistics:
 * video ≈ half the round trip + jitter buffer + decode; drawing ≈ half the round trip.
 */
export class LatencyReadout {
  rttMs = $state<number | null>(null);
  videoMs = $state<number | null>(null);
  private timer: ReturnType<typeof setInterval> | undefined;

  start(room: Room, picture: () => VideoTrack | null): void {
    this.stop();
    this.timer = setInterval(() => void this.sample(room, picture()), 2000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(room: Room, track: VideoTrack | null): Promise<void> {
    // The subscriber transport carries the theatre's picture and the mentors' ops to us.
    const transport = room.engine.pcManager?.subscriber;
    const report = transport ? await Promise.resolve(transport.getStats()).catch(() => null) : null;
    // The pair in use is the one the transport names; Chrome does not always mark it nominated.
    let pairId: string | undefined;
    report?.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    let rtt: number | null = null;
    report?.forEach((s) => {
      const selected = pairId ? s.id === pairId : s.state === 'succeeded';
      if (s.type === 'candidate-pair' && selected && typeof s.currentRoundTripTime === 'number') rtt = s.currentRoundTripTime * 1000;
    });
    this.rttMs = rtt;
    const stats = track && !track.isLocal ? await track.getRTCStatsReport().catch(() => undefined) : undefined;
    let video: number | null = null;
    stats?.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video' && s.jitterBufferEmittedCount > 0) {
        const buffer = (s.jitterBufferDelay / s.jitterBufferEmittedCount) * 1000;
        const decode = s.framesDecoded > 0 ? (s.totalDecodeTime / s.framesDecoded) * 1000 : 0;
        video = buffer + decode + (rtt ?? 0) / 2;
      }
    });
    this.videoMs = video;
  }
}
