import { describe, expect, it } from 'vitest';
import { formatRoomMetadata, parseRoomMetadata } from './room-metadata.ts';

describe('room metadata', () => {
  it('round-trips what the api writes', () => {
    expect(parseRoomMetadata(formatRoomMetadata({ recording: 'paused' }))).toEqual({ recording: 'paused' });
    const failed = { recording: 'off', recordingFailure: 'Recording stopped: the disk that holds recordings is full.' } as const;
    expect(parseRoomMetadata(formatRoomMetadata(failed))).toEqual(failed);
  });

  it('reads anything else as not recording, without throwing', () => {
    for (const text of [undefined, '', 'not json', 'null', '[]', '{"recording":"yes"}', '{"recording":1}']) {
      expect(parseRoomMetadata(text)).toEqual({ recording: 'off' });
    }
  });

  it('keeps a failure only when recording is off, and short', () => {
    expect(parseRoomMetadata('{"recording":"recording","recordingFailure":"old"}')).toEqual({ recording: 'recording' });
    expect(parseRoomMetadata(JSON.stringify({ recording: 'off', recordingFailure: 'x'.repeat(5000) })).recordingFailure).toHaveLength(500);
    expect(parseRoomMetadata('{"recording":"off","recordingFailure":42}')).toEqual({ recording: 'off' });
  });
});

describe('room metadata while recording', () => {
  it('says degraded only while recording, and waiting as its own state', () => {
    expect(parseRoomMetadata(formatRoomMetadata({ recording: 'recording', degraded: true }))).toEqual({ recording: 'recording', degraded: true });
    expect(parseRoomMetadata('{"recording":"paused","degraded":true}')).toEqual({ recording: 'paused' });
    expect(parseRoomMetadata('{"recording":"recording","degraded":"yes"}')).toEqual({ recording: 'recording' });
    expect(parseRoomMetadata(formatRoomMetadata({ recording: 'waiting' }))).toEqual({ recording: 'waiting' });
  });
});
