import { AccessToken } from 'livekit-server-sdk';

/**
 * The recorder's own token for one room: hidden (nobody sees it in the participants list),
 * subscribe only. Short-lived: it is used at connect only.
 *
 * Not marked as LiveKit's `recorder`: livekit-server closes a room whose only participants are
 * recorders 20 s after the last person leaves (departure_timeout), and with it the room's
 * metadata, so people coming back saw no REC while the api still recorded. Here the recording
 * keeps its room while it waits for theatre's picture; it stops after
 * LOUPE_RECORDING_IDLE_STOP_MINUTES, and then the room closes as usual.
 */
export function recorderToken(keys: { apiKey: string; apiSecret: string }, room: string, recordingId: string): Promise<string> {
  const at = new AccessToken(keys.apiKey, keys.apiSecret, { identity: `recorder:${recordingId}`, name: 'Recorder', ttl: 600 });
  at.addGrant({
    room,
    roomJoin: true,
    hidden: true,
    canSubscribe: true,
    canPublish: false,
    canPublishData: false,
    canUpdateOwnMetadata: false,
  });
  return at.toJwt();
}
