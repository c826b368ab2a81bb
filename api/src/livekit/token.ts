import { AccessToken, TrackSource } from 'livekit-server-sdk';
import {
  SESSION_ROLE_GRANTS,
  TOKEN_TTL_SECONDS,
  type MediaSource,
  type ParticipantAttributes,
  type SessionRole,
  type User,
} from '@loupe/protocol';

const TRACK_SOURCE: Record<MediaSource, TrackSource> = {
  camera: TrackSource.CAMERA,
  microphone: TrackSource.MICROPHONE,
  screen_share: TrackSource.SCREEN_SHARE,
  screen_share_audio: TrackSource.SCREEN_SHARE_AUDIO,
};

export type LiveKitKeys = { apiKey: string; apiSecret: string };

/**
 * A LiveKit access token for one person in one session. Identity is the user id; role and
 * display name travel as attributes set by the server, which the participant cannot change
 * (canUpdateOwnMetadata is false). Token expiry is only checked at connect.
 */
export async function mintRoomToken(
  keys: LiveKitKeys,
  room: string,
  user: Pick<User, 'id' | 'name'>,
  role: SessionRole,
): Promise<{ token: string; expiresAt: Date }> {
  const attributes: ParticipantAttributes = { role, name: user.name };
  const at = new AccessToken(keys.apiKey, keys.apiSecret, {
    identity: user.id,
    name: user.name,
    ttl: TOKEN_TTL_SECONDS,
    attributes,
  });
  const grants = SESSION_ROLE_GRANTS[role];
  at.addGrant({
    room,
    roomJoin: true,
    canSubscribe: grants.canSubscribe,
    canPublish: grants.canPublish,
    canPublishData: grants.canPublishData,
    canPublishSources: grants.canPublishSources.map((s) => TRACK_SOURCE[s]),
    canUpdateOwnMetadata: false,
  });
  const expiresAt = new Date(Date.now() + TOKEN_TTL_SECONDS * 1000);
  return { token: await at.toJwt(), expiresAt };
}
