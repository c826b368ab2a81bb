import { describe, expect, it } from 'vitest';
import { RECORDING_STATUSES, type RecordingStatus } from '@loupe/protocol';
import { caseTransition, roomStateOf, transition, type RecordingEvent } from './lifecycle.ts';

const ready: RecordingEvent = { type: 'finished', outcome: { status: 'ready', durationMs: 1000, failure: null, chapters: [] } };
const failed: RecordingEvent = { type: 'finished', outcome: { status: 'failed', durationMs: null, failure: 'disk full', chapters: [] } };

describe('a recording’s life', () => {
  it('allows exactly these moves', () => {
    const events: [string, RecordingEvent][] = [
      ['start', { type: 'start' }],
      ['pause', { type: 'pause' }],
      ['resume', { type: 'resume' }],
      ['stop', { type: 'stop' }],
      ['capturing', { type: 'capturing' }],
      ['waiting', { type: 'waiting' }],
      ['finalising', { type: 'finalising' }],
      ['ready', ready],
      ['failed', failed],
    ];
    const table = Object.fromEntries(
      [null, ...RECORDING_STATUSES].map((from) => [from ?? 'none', Object.fromEntries(events.map(([name, e]) => [name, transition(from, e)]))]),
    );
    const ended = {
      start: 'recording' as const,
      pause: null,
      resume: null,
      stop: null,
      capturing: null,
      waiting: null,
      finalising: null,
      ready: null,
      failed: null,
    };
    expect(table).toEqual({
      none: { ...ended },
      recording: {
        start: null,
        pause: 'paused',
        resume: null,
        stop: 'stopped',
        capturing: 'recording',
        waiting: 'waiting',
        finalising: null,
        ready: null,
        failed: 'failed',
      },
      waiting: {
        start: null,
        pause: 'paused',
        resume: null,
        stop: 'stopped',
        capturing: 'recording',
        waiting: 'waiting',
        finalising: null,
        ready: null,
        failed: 'failed',
      },
      paused: {
        start: null,
        pause: null,
        resume: 'recording',
        stop: 'stopped',
        capturing: 'paused',
        waiting: 'paused',
        finalising: null,
        ready: null,
        failed: 'failed',
      },
      stopped: { ...ended, finalising: 'finalising', ready: 'ready', failed: 'failed' },
      finalising: { ...ended, ready: 'ready', failed: 'failed' },
      ready: { ...ended },
      failed: { ...ended },
    } satisfies Record<RecordingStatus | 'none', Record<string, RecordingStatus | null>>);
  });

  it('shows REC as starting until the recorder captures, and degraded only while recording', () => {
    const at = new Date();
    expect(roomStateOf({ status: 'recording', capturingAt: null, degraded: false })).toEqual({ recording: 'starting' });
    expect(roomStateOf({ status: 'recording', capturingAt: at, degraded: true })).toEqual({ recording: 'recording', degraded: true });
    expect(roomStateOf({ status: 'waiting', capturingAt: at, degraded: true })).toEqual({ recording: 'waiting' });
    expect(roomStateOf({ status: 'finalising', capturingAt: at, degraded: false })).toEqual({ recording: 'off' });
    expect(roomStateOf({ status: 'stopped', capturingAt: at, degraded: false }, 'why')).toEqual({ recording: 'off', recordingFailure: 'why' });
  });
});

describe('a case’s end', () => {
  const now = new Date(Date.UTC(2030, 0, 1));
  const due = new Date(now.getTime() - 1);
  const kept = new Date(now.getTime() + 86_400_000);

  it('is deleted or expires only once the recorder has finished its recording, and expires only when due', () => {
    const table = Object.fromEntries(
      RECORDING_STATUSES.map((recording) => [
        recording,
        [
          caseTransition(recording, kept, { type: 'delete' }),
          caseTransition(recording, due, { type: 'expire', now }),
          caseTransition(recording, kept, { type: 'expire', now }),
        ],
      ]),
    );
    expect(table).toEqual({
      recording: [null, null, null],
      waiting: [null, null, null],
      paused: [null, null, null],
      stopped: [null, null, null],
      finalising: [null, null, null],
      ready: ['deleted', 'expired', null],
      failed: ['deleted', 'expired', null],
    } satisfies Record<RecordingStatus, unknown[]>);
  });
});
