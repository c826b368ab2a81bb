/**
 * One live session's LiveKit room as reactive state: connection, participants, the theatre's
 * picture, audio. Views compose it with the overlay sync; nothing here draws.
 */
import {
  DisconnectReason,
  Room,
  RoomEvent,
  Track,
  type RemoteTrack,
  type RemoteTrackPublication,
  type VideoTrack,
} from 'livekit-client';
import type { SessionRole } from '@loupe/protocol';
import { apiClient, ApiFailure, unwrap } from '$lib/api/client.ts';
import { participantView, sortParticipants, type ParticipantView } from './participants.ts';
import { SessionClock } from './session-clock.ts';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** Why joining or staying in the room failed, as a key the views translate. */
export type RoomProblem =
  | 'token_refused'
  | 'session_ended'
  | 'server_unreachable'
  | 'removed'
  | 'replaced'
  | 'disconnected'
  | 'signed_out';

export type RecordingState = 'starting' | 'recording' | 'paused' | 'off';

function recordingState(metadata: string | undefined): RecordingState {
  try {
    const state = (JSON.parse(metadata || '{}') as { recording?: unknown }).recording;
    return state === 'starting' || state === 'recording' || state === 'paused' ? state : 'off';
  } catch {
    return 'off';
  }
}

export class LiveRoom {
  readonly room = new Room({ adaptiveStream: false, dynacast: true, disconnectOnPageLeave: true });
  readonly clock = new SessionClock();
  readonly sessionId: string;

  state = $state<ConnectionState>('idle');
  problem = $state<RoomProblem | null>(null);
  participants = $state<ParticipantView[]>([]);
  /** The surgical picture: theatre's camera or screen share (for theatre itself, its local track). */
  picture = $state<VideoTrack | null>(null);
  audioBlocked = $state(false);
  identity = $state('');
  /** Whether the session is being recorded, from room metadata the api sets: everyone shows REC. */
  recording = $state<RecordingState>('off');
  role = $state<SessionRole | null>(null);

  private readonly audioSink: HTMLElement;

  constructor(sessionId: string, audioSink: HTMLElement) {
    this.sessionId = sessionId;
    this.audioSink = audioSink;
    const r = this.room;
    const refresh = () => this.refresh();
    r.on(RoomEvent.ParticipantConnected, refresh)
      .on(RoomEvent.ParticipantDisconnected, refresh)
      .on(RoomEvent.ActiveSpeakersChanged, refresh)
      .on(RoomEvent.ConnectionQualityChanged, refresh)
      .on(RoomEvent.TrackMuted, refresh)
      .on(RoomEvent.TrackUnmuted, refresh)
      .on(RoomEvent.TrackPublished, refresh)
      .on(RoomEvent.TrackUnpublished, refresh)
      .on(RoomEvent.LocalTrackPublished, refresh)
      .on(RoomEvent.LocalTrackUnpublished, refresh)
      .on(RoomEvent.ParticipantAttributesChanged, refresh)
      .on(RoomEvent.TrackSubscribed, (track) => this.onSubscribed(track))
      .on(RoomEvent.TrackUnsubscribed, (track) => {
        track.detach().forEach((el) => el.remove());
        refresh();
      })
      .on(RoomEvent.Reconnecting, () => (this.state = 'reconnecting'))
      .on(RoomEvent.SignalReconnecting, () => (this.state = 'reconnecting'))
      .on(RoomEvent.Reconnected, () => {
        this.state = 'connected';
        refresh();
      })
      .on(RoomEvent.Disconnected, (reason) => this.onDisconnected(reason))
      .on(RoomEvent.AudioPlaybackStatusChanged, () => (this.audioBlocked = !r.canPlaybackAudio))
      .on(RoomEvent.RoomMetadataChanged, (metadata) => (this.recording = recordingState(metadata)));
  }

  /** Gets a token from the api and joins the room. */
  async connect(options: { displayOnly?: boolean } = {}): Promise<boolean> {
    this.state = 'connecting';
    this.problem = null;
    const api = apiClient('/api');
    let grant;
    const sentAt = Date.now();
    try {
      grant = await unwrap(
        api.sessions[':id'].token.$post({
          param: { id: this.sessionId },
          query: options.displayOnly ? { display: 'true' } : {},
        }),
      );
    } catch (err) {
      this.state = 'disconnected';
      this.problem =
        err instanceof ApiFailure
          ? err.code === 'unauthenticated'
            ? 'signed_out'
            : err.code === 'conflict'
              ? 'session_ended'
              : err.code === 'network' || err.status === 502
                ? 'server_unreachable'
                : 'token_refused'
          : 'token_refused';
      return false;
    }
    this.clock.calibrate(grant.serverTime, sentAt, Date.now());
    this.identity = grant.identity;
    this.role = grant.role;
    try {
      await this.room.connect(grant.url, grant.token, { autoSubscribe: true });
    } catch {
      this.state = 'disconnected';
      this.problem = 'server_unreachable';
      return false;
    }
    this.state = 'connected';
    this.audioBlocked = !this.room.canPlaybackAudio;
    this.recording = recordingState(this.room.metadata);
    for (const p of this.room.remoteParticipants.values()) {
      for (const pub of p.trackPublications.values()) if (pub.track) this.onSubscribed(pub.track);
    }
    this.refresh();
    return true;
  }

  async disconnect(): Promise<void> {
    await this.room.disconnect();
  }

  async enableAudio(): Promise<void> {
    await this.room.startAudio();
    this.audioBlocked = !this.room.canPlaybackAudio;
  }

  /** Ask the overlay holders (via the api: observers cannot send data) for the whole overlay. */
  async requestOverlay(): Promise<void> {
    await apiClient('/api')
      .sessions[':id']['overlay-request'].$post({ param: { id: this.sessionId }, json: { identity: this.identity } })
      .catch(() => undefined);
  }

  /** Sets the theatre's own published picture (theatre view). */
  showLocalPicture(track: VideoTrack | null): void {
    this.picture = track;
  }

  private onSubscribed(track: RemoteTrack): void {
    if (track.kind === Track.Kind.Audio) {
      const el = track.attach();
      el.dataset.participant = (track as RemoteTrack & { sid?: string }).sid ?? '';
      this.audioSink.append(el);
    }
    this.refresh();
  }

  private onDisconnected(reason?: DisconnectReason): void {
    this.state = 'disconnected';
    this.problem =
      reason === DisconnectReason.PARTICIPANT_REMOVED
        ? 'removed'
        : reason === DisconnectReason.DUPLICATE_IDENTITY
          ? 'replaced'
          : reason === DisconnectReason.ROOM_DELETED
            ? 'session_ended'
            : reason === DisconnectReason.CLIENT_INITIATED
              ? null
              : 'disconnected';
    this.refresh();
  }

  private refresh(): void {
    const r = this.room;
    const everyone = [r.localParticipant, ...r.remoteParticipants.values()].filter((p) => p.identity);
    this.participants = sortParticipants(everyone.map(participantView));
    if (this.role !== 'theatre' || this.picture === null || !this.picture.isLocal) {
      this.picture = this.findTheatrePicture();
    }
  }

  private findTheatrePicture(): VideoTrack | null {
    for (const p of this.room.remoteParticipants.values()) {
      if (p.attributes.role !== 'theatre') continue;
      for (const source of [Track.Source.ScreenShare, Track.Source.Camera]) {
        const pub = p.getTrackPublication(source) as RemoteTrackPublication | undefined;
        if (pub?.track && pub.isSubscribed) return pub.track as VideoTrack;
      }
    }
    return null;
  }
}
