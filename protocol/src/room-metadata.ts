/**
 * The live room's metadata: written by the api alone (through livekit-server), read by every
 * page and the recorder. It says whether the session is being recorded, and why a recording
 * stopped if the recorder stopped it (the disk that holds recordings is full).
 */

/**
 * `starting`: asked for, the recorder not yet capturing; `recording` only once it is;
 * `waiting`: recording, with theatre's picture away (nothing is written until it is back).
 */
export const RECORDING_STATES = ['starting', 'recording', 'waiting', 'paused', 'off'] as const;
/**
 * While the recorder is in the room and logging: a bookmark dropped then is a chapter of the
 * case (at the moment the picture is held, while paused). Otherwise nothing would keep it, and
 * the page says so instead of "Bookmark added".
 */
export const BOOKMARKING_STATES = ['recording', 'waiting', 'paused'] as const satisfies readonly (typeof RECORDING_STATES)[number][];
export type RecordingState = (typeof RECORDING_STATES)[number];

export type RoomMetadata = {
  recording: RecordingState;
  /** The recorder cannot keep up: every screen says REC — degraded. Only while recording. */
  degraded?: true;
  /** Why the recording stopped without anyone pressing Stop, in words for people; only with `off`. */
  recordingFailure?: string;
};

// Room metadata is free text to livekit-server; anything longer than this is not ours.
const MAX_FAILURE_CHARS = 500;

/** Reads room metadata; anything unreadable means not recording, never an exception. */
export function parseRoomMetadata(metadata: string | undefined): RoomMetadata {
  let value: unknown;
  try {
    value = JSON.parse(metadata || '{}');
  } catch {
    return { recording: 'off' };
  }
  const { recording, recordingFailure, degraded } = (value ?? {}) as Record<string, unknown>;
  const state = RECORDING_STATES.find((s) => s === recording) ?? 'off';
  if (state === 'off') {
    return typeof recordingFailure === 'string' && recordingFailure.length > 0
      ? { recording: state, recordingFailure: recordingFailure.slice(0, MAX_FAILURE_CHARS) }
      : { recording: state };
  }
  return degraded === true && state === 'recording' ? { recording: state, degraded: true } : { recording: state };
}

export function formatRoomMetadata(metadata: RoomMetadata): string {
  return JSON.stringify(metadata);
}
