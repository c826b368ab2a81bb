/**
 * One live session's LiveKit room as reactive state: connection, participants, the theatre's
 * picture, audio. Views compose it with the overlay sync; nothing here draws.
 */
import {
  ConnectionState as RoomConnectionState,
  DisconnectReason,
  Room,
  RoomEvent,
  Track,
  type Participant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type TrackPublication,
  type VideoTrack,
} from 'livekit-client';
import { parseRoomMetadata, roleOf, type RecordingState, type SessionRole } from '@loupe/protocol';
import { listSources, sourceOfPublication, type LostSource, type SourceView } from './sources.ts';
import { apiClient, ApiFailure, unwrap } from '$lib/api/client.ts';
import { LinkWatch } from './link-watch.ts';
import { FailoverReconnectPolicy, NODE_SILENT_MS } from './node-failover.ts';
import { participantView, sortParticipants, type ParticipantView } from './participants.ts';
import { SessionClock } from './session-clock.ts';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** Why joining or staying in the room failed; the views say it in the reader's words. */
export type RoomProblem = 'token_refused' | 'rate_limited' | 'session_ended' | 'server_unreachable' | 'removed' | 'replaced' | 'disconnected' | 'signed_out';

/** Problems that pass by themselves: a page joining again on its own keeps trying through them. */
export const PASSING_PROBLEMS: readonly RoomProblem[] = ['server_unreachable', 'rate_limited', 'disconnected'];

export class LiveRoom {
  readonly room = new Room({
    adaptiveStream: false,
    dynacast: true,
    disconnectOnPageLeave: true,
    reconnectPolicy: new FailoverReconnectPolicy(() => this.failover),
  });
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
  /** The recorder cannot keep up: every screen says REC — degraded. */
  recordingDegraded = $state(false);
  /** Why the recorder stopped the last recording itself (the disk is full), until another starts. */
  recordingFailure = $state<string | null>(null);
  role = $state<SessionRole | null>(null);
  /** Every theatre's pictures (sources.ts), theatre by theatre, each in the order it was added. */
  sources = $state<SourceView[]>([]);
  /** Pictures that went away while their theatre stayed (a cable pulled, a share stopped), until they come back or are dismissed. */
  lost = $state<LostSource[]>([]);
  /** The source `picture` is (its id), for the single-picture view's marks. */
  pictureSource = $derived<string | null>(this.sources.find((s) => s.track === this.picture)?.id ?? this.sources[0]?.id ?? null);

  private readonly audioSink: HTMLElement;
  /** Another livekit-server node can take the room (the token said so): leave ours quickly if it dies. */
  private failover = false;
  private silentTimer: ReturnType<typeof setTimeout> | null = null;
  /** We are leaving a node that went silent: the disconnect is a lost room, not a goodbye. */
  private leavingNode = false;
  // Says "reconnecting" within a second or two of the link going silent, long before
  // livekit-client notices by itself.
  private readonly link = new LinkWatch({ bytesReceived: () => this.bytesReceived(), onChange: (stalled) => this.onLinkChange(stalled) });

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
      .on(RoomEvent.TrackUnpublished, (publication, participant) => {
        this.onUnpublished(publication, participant);
        refresh();
      })
      .on(RoomEvent.LocalTrackPublished, refresh)
      .on(RoomEvent.LocalTrackUnpublished, refresh)
      .on(RoomEvent.ParticipantAttributesChanged, (_changed, participant) => {
        // The api changed our role while we are in (a host demoted us): the page follows it.
        if (participant.isLocal) this.role = roleOf(participant.attributes) ?? this.role;
        refresh();
      })
      .on(RoomEvent.TrackSubscribed, (track) => this.onSubscribed(track))
      .on(RoomEvent.TrackUnsubscribed, (track) => {
        track.detach().forEach((el) => el.remove());
        refresh();
      })
      .on(RoomEvent.Reconnecting, () => (this.state = 'reconnecting'))
      .on(RoomEvent.SignalReconnecting, () => (this.state = 'reconnecting'))
      .on(RoomEvent.Reconnected, () => {
        this.state = 'connected';
        this.link.start();
        refresh();
      })
      .on(RoomEvent.Disconnected, (reason) => this.onDisconnected(reason))
      .on(RoomEvent.AudioPlaybackStatusChanged, () => (this.audioBlocked = !r.canPlaybackAudio))
      .on(RoomEvent.RoomMetadataChanged, (metadata) => this.readMetadata(metadata));
  }

  /**
   * Gets a token from the api and joins the room. `rejoining`: the page lost the room and is
   * joining again by itself, so it keeps saying it is reconnecting through a passing problem.
   */
  async connect(options: { displayOnly?: boolean; rejoining?: boolean } = {}): Promise<boolean> {
    this.state = options.rejoining ? 'reconnecting' : 'connecting';
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
      this.fail(
        err instanceof ApiFailure
          ? err.code === 'unauthenticated'
            ? 'signed_out'
            : err.code === 'conflict'
              ? 'session_ended'
              : err.code === 'rate_limited'
                ? 'rate_limited'
                : // 503: the api reached no livekit-server node (one dying, or every one down).
                  err.code === 'network' || err.status === 502 || err.status === 503
                  ? 'server_unreachable'
                  : 'token_refused'
          : 'token_refused',
        options.rejoining,
      );
      return false;
    }
    this.clock.calibrate(grant.serverTime, sentAt, Date.now());
    this.identity = grant.identity;
    this.role = grant.role;
    this.failover = grant.failover;
    try {
      await this.room.connect(grant.url, grant.token, { autoSubscribe: true });
    } catch {
      this.fail('server_unreachable', options.rejoining);
      return false;
    }
    this.state = 'connected';
    this.link.start();
    this.audioBlocked = !this.room.canPlaybackAudio;
    this.readMetadata(this.room.metadata);
    for (const p of this.room.remoteParticipants.values()) {
      for (const pub of p.trackPublications.values()) if (pub.track) this.onSubscribed(pub.track);
    }
    this.refresh();
    return true;
  }

  async disconnect(): Promise<void> {
    this.link.stop();
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

  /** Marks a picture as lost (theatre's own, whose capture ended); it shows until it comes back or is dismissed. */
  markLost(source: LostSource): void {
    if (!this.lost.some((l) => l.id === source.id)) this.lost = [...this.lost, source];
  }

  dismissLost(id: string): void {
    this.lost = this.lost.filter((l) => l.id !== id);
  }

  private onUnpublished(publication: TrackPublication, participant: Participant): void {
    // A theatre that leaves takes its pictures with it: the page says it waits for theatre.
    if (!this.room.remoteParticipants.has(participant.identity)) return;
    const source = sourceOfPublication(participant, publication);
    if (source) this.markLost({ id: source.id, label: source.label, ownerName: source.ownerName });
  }

  /** Sets the theatre's own published picture (theatre view). */
  showLocalPicture(track: VideoTrack | null): void {
    this.picture = track;
  }

  private readMetadata(metadata: string | undefined): void {
    const { recording, recordingFailure, degraded } = parseRoomMetadata(metadata);
    this.recording = recording;
    this.recordingDegraded = degraded === true;
    this.recordingFailure = recordingFailure ?? null;
  }

  private onSubscribed(track: RemoteTrack): void {
    if (track.kind === Track.Kind.Audio) {
      const el = track.attach();
      el.dataset.participant = (track as RemoteTrack & { sid?: string }).sid ?? '';
      this.audioSink.append(el);
    }
    this.refresh();
  }

  private fail(problem: RoomProblem, rejoining = false): void {
    this.problem = problem;
    this.state = rejoining && PASSING_PROBLEMS.includes(problem) ? 'reconnecting' : 'disconnected';
  }

  private onDisconnected(reason?: DisconnectReason): void {
    this.link.stop();
    const leftNode = this.leavingNode;
    this.leavingNode = false;
    this.problem = leftNode
      ? 'disconnected'
      : reason === DisconnectReason.PARTICIPANT_REMOVED
        ? 'removed'
        : reason === DisconnectReason.DUPLICATE_IDENTITY
          ? 'replaced'
          : reason === DisconnectReason.ROOM_DELETED
            ? 'session_ended'
            : reason === DisconnectReason.CLIENT_INITIATED
              ? null
              : 'disconnected';
    // livekit-client gave up on its own reconnection: the live session joins again with a fresh
    // token (LiveSession.rejoin), and the page keeps saying it is reconnecting meanwhile.
    this.state = this.problem === 'disconnected' ? 'reconnecting' : 'disconnected';
    this.refresh();
  }

  private onLinkChange(stalled: boolean): void {
    if (this.silentTimer) clearTimeout(this.silentTimer);
    this.silentTimer = null;
    // livekit-client's own reconnecting and reconnected events rule while it is at work.
    if (this.room.state !== RoomConnectionState.Connected) return;
    if (stalled && this.failover) this.silentTimer = setTimeout(() => this.leaveSilentNode(), NODE_SILENT_MS);
    if (stalled && this.state === 'connected') this.state = 'reconnecting';
    else if (!stalled && this.state === 'reconnecting') this.state = 'connected';
  }

  /**
   * The media has been silent for seconds while the signalling still looks open: the node that
   * hosts the room is probably gone. Leave; LiveSession joins again through a node that answers.
   */
  private leaveSilentNode(): void {
    this.silentTimer = null;
    if (this.room.state !== RoomConnectionState.Connected) return;
    this.leavingNode = true;
    void this.room.disconnect();
  }

  /** Bytes received so far over the connections our published and subscribed tracks use. */
  private async bytesReceived(): Promise<number | null> {
    const r = this.room;
    const tracks = [r.localParticipant, ...r.remoteParticipants.values()].flatMap((p) =>
      [...p.trackPublications.values()].flatMap((pub) => (pub.track ? [pub.track] : [])),
    );
    const pairs = new Map<string, number>();
    for (const track of tracks) {
      const report = await track.getRTCStatsReport().catch(() => undefined);
      // Each track's report carries its peer connection's candidate pairs: counted once each.
      report?.forEach((s: RTCIceCandidatePairStats) => {
        if (s.type === 'candidate-pair') pairs.set(`${s.localCandidateId}/${s.remoteCandidateId}`, s.bytesReceived ?? 0);
      });
    }
    return pairs.size ? [...pairs.values()].reduce((a, b) => a + b, 0) : null;
  }

  private refresh(): void {
    const r = this.room;
    const everyone = [r.localParticipant, ...r.remoteParticipants.values()].filter((p) => p.identity);
    this.participants = sortParticipants(everyone.map(participantView));
    this.sources = listSources(everyone);
    // A picture that comes back (the same theatre and key) is no longer lost.
    if (this.lost.some((l) => this.sources.some((s) => s.id === l.id))) this.lost = this.lost.filter((l) => !this.sources.some((s) => s.id === l.id));
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
