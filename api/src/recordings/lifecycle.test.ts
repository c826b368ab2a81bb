import { describe, expect, it } from 'vitest';
import { RECORDING_STATUSES, type RecordingStatus } from '@loupe/protocol';
import { roomStateOf, transition, type RecordingEvent } from './lifecycle.ts';

const ready: RecordingEvent = { type: 'finished', outcome: { status: 'ready', durationMs: 1000, failure: null, chapters: [] } };
const failed: RecordingEvent = { type: 'finished', outcome: { status: 'failed', durationMs: null, failure: 'disk full', chapters: [] } };

describe('a recording’s life', () => {
  it('allows exactly these moves', () => {
    const events: [string, RecordingEvent][] = [
      ['pause', { type: 'pause' }],
      ['resume', { type: 'resume' }],
      ['stop', { type: 'stop' }],
      ['capturing', { type: 'capturing' }],
      ['waiting', { type: 'waiting' }],
      ['ready', ready],
      ['failed', failed],
    ];
    const table = Object.fromEntries(
      RECORDING_STATUSES.map((from) => [from, Object.fromEntries(events.map(([name, e]) => [name, transition(from, e)]))]),
    );
    expect(table).toEqual({
      recording: { pause: 'paused', resume: null, stop: 'stopped', capturing: 'recording', waiting: 'waiting', ready: null, failed: 'failed' },
      waiting: { pause: 'paused', resume: null, stop: 'stopped', capturing: 'recording', waiting: 'waiting', ready: null, failed: 'failed' },
      paused: { pause: null, resume: 'recording', stop: 'stopped', capturing: 'paused', waiting: 'paused', ready: null, failed: 'failed' },
      stopped: { pause: null, resume: null, stop: null, capturing: null, waiting: null, ready: 'ready', failed: 'failed' },
      finalising: { pause: null, resume: null, stop: null, capturing: null, waiting: null, ready: 'ready', failed: 'failed' },
      ready: { pause: null, resume: null, stop: null, capturing: null, waiting: null, ready: null, failed: null },
      failed: { pause: null, resume: null, stop: null, capturing: null, waiting: null, ready: null, failed: null },
    } satisfies Record<RecordingStatus, Record<string, RecordingStatus | null>>);
  });

  it('shows REC as starting until the recorder captures, and degraded only while recording', () => {
    const at = new Date();
    expect(roomStateOf({ status: 'recording', capturingAt: null, degraded: false })).toEqual({ recording: 'starting' });
    expect(roomStateOf({ status: 'recording', capturingAt: at, degraded: true })).toEqual({ recording: 'recording', degraded: true });
    expect(roomStateOf({ status: 'waiting', capturingAt: at, degraded: true })).toEqual({ recording: 'waiting' });
    expect(roomStateOf({ status: 'stopped', capturingAt: at, degraded: false }, 'why')).toEqual({ recording: 'off', recordingFailure: 'why' });
  });
});
