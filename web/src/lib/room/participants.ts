import { ConnectionQuality, Track, type Participant } from 'livekit-client';
import { roleOf, type SessionRole } from '@loupe/protocol';

/** One row of the participants list. */
export type ParticipantView = {
  identity: string;
  name: string;
  role: SessionRole | undefined;
  isLocal: boolean;
  isSpeaking: boolean;
  micOn: boolean;
  quality: 'excellent' | 'good' | 'poor' | 'lost' | 'unknown';
  /** A second OR monitor: watches, publishes nothing. */
  displayOnly: boolean;
};

const QUALITY: Record<ConnectionQuality, ParticipantView['quality']> = {
  [ConnectionQuality.Excellent]: 'excellent',
  [ConnectionQuality.Good]: 'good',
  [ConnectionQuality.Poor]: 'poor',
  [ConnectionQuality.Lost]: 'lost',
  [ConnectionQuality.Unknown]: 'unknown',
};

const ROLE_ORDER: Record<string, number> = { theatre: 0, mentor: 1, host: 2, observer: 3 };

export function participantView(p: Participant): ParticipantView {
  const mic = p.getTrackPublication(Track.Source.Microphone);
  return {
    identity: p.identity,
    name: p.name || p.attributes.name || p.identity,
    role: roleOf(p.attributes),
    isLocal: p.isLocal,
    isSpeaking: p.isSpeaking,
    micOn: !!mic && !mic.isMuted,
    quality: QUALITY[p.connectionQuality],
    displayOnly: p.attributes.display === 'true',
  };
}

export function sortParticipants(list: ParticipantView[]): ParticipantView[] {
  return list.sort((a, b) => (ROLE_ORDER[a.role ?? ''] ?? 9) - (ROLE_ORDER[b.role ?? ''] ?? 9) || a.name.localeCompare(b.name));
}
