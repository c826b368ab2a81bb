import { AccessToken } from 'livekit-server-sdk';

/**
 * The recorder's own token for one room: hidden (nobody sees it in the participants list),
 * marked as a recorder, subscribe only. Short-lived: it is used at connect only.
 */
export function recorderToken(keys: { apiKey: string; apiSecret: string }, room: string, recordingId: string): Promise<string> {
  const at = new AccessToken(keys.apiKey, keys.apiSecret, { identity: `recorder:${recordingId}`, name: 'Recorder', ttl: 600 });
  at.addGrant({
    room,
    roomJoin: true,
    hidden: true,
    recorder: true,
    canSubscribe: true,
    canPublish: false,
    canPublishData: false,
    canUpdateOwnMetadata: false,
  });
  return at.toJwt();
}
