import { randomBytes } from 'node:crypto';
import { AccessToken, TrackSource } from 'livekit-server-sdk';
import { SESSION_ROLE_GRANTS, TOKEN_TTL_SECONDS, type MediaSource, type ParticipantAttributes, type SessionRole, type User } from '@loupe/protocol';

const TRACK_SOURCE: Record<MediaSource, TrackSource> = {
  camera: TrackSource.CAMERA,
  microphone: TrackSource.MICROPHONE,
  screen_share: TrackSource.SCREEN_SHARE,
  screen_share_audio: TrackSource.SCREEN_SHARE_AUDIO,
};

export type LiveKitKeys = { apiKey: string; apiSecret: string };

/** What a session role may do in the room, in LiveKit's terms; a display-only screen only watches. */
export function roomPermission(role: SessionRole, displayOnly = false) {
  const grants = SESSION_ROLE_GRANTS[displayOnly ? 'observer' : role];
  return {
    canSubscribe: grants.canSubscribe,
    canPublish: grants.canPublish,
    canPublishData: grants.canPublishData,
    canPublishSources: grants.canPublishSources.map((s) => TRACK_SOURCE[s]),
    canUpdateMetadata: false,
  };
}

/** The attributes a participant carries: set by the api, never by the participant. */
export function roomAttributes(role: SessionRole, name: string, displayOnly = false): ParticipantAttributes {
  return { role, name, ...(displayOnly ? { display: 'true' as const } : {}) };
}

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
  options: { displayOnly?: boolean } = {},
): Promise<{ token: string; identity: string; expiresAt: Date }> {
  // A display-only screen (a second OR monitor) is its own participant: sharing the user's
  // identity would disconnect the publishing theatre PC. It only subscribes.
  const identity = options.displayOnly ? `${user.id}:display:${randomBytes(4).toString('hex')}` : user.id;
  const at = new AccessToken(keys.apiKey, keys.apiSecret, {
    identity,
    name: user.name,
    ttl: TOKEN_TTL_SECONDS,
    attributes: roomAttributes(role, user.name, options.displayOnly),
  });
  const { canUpdateMetadata, ...permission } = roomPermission(role, options.displayOnly);
  at.addGrant({ room, roomJoin: true, ...permission, canUpdateOwnMetadata: canUpdateMetadata });
  const expiresAt = new Date(Date.now() + TOKEN_TTL_SECONDS * 1000);
  return { token: await at.toJwt(), identity, expiresAt };
}
