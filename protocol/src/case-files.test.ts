import { describe, expect, it } from 'vitest';
import {
  CASE_FILE_NAMES,
  CASE_FILE_TYPES,
  SOURCE_VIDEO_FILE,
  caseMediaType,
  caseMediaUrl,
  recordingFiles,
  recordingFolder,
  sourceVideoFile,
} from './case-media.ts';
import { CaseTrack } from './case-track.ts';
import { holdsOverlay } from './snapshot.ts';

describe('a case’s files', () => {
  it('are named once: the recorder’s folder, the files the api serves and the player asks for', () => {
    expect(recordingFolder('r1')).toBe('recordings/r1');
    const files = recordingFiles('r1');
    expect(files).toMatchObject({
      dir: 'recordings/r1',
      segments: 'recordings/r1/segments',
      sound: 'recordings/r1/sound',
      events: 'recordings/r1/events.jsonl',
    });
    expect(files.caseFile('case.mp4')).toBe('recordings/r1/case.mp4');
    expect(CASE_FILE_NAMES).toEqual(['case.mp4', 'poster.jpg', 'thumbnails.jpg', 'annotations.json']);
    for (const name of CASE_FILE_NAMES) expect(CASE_FILE_TYPES[name]).toMatch(/^(video|image|application)\//);
    expect(caseMediaUrl('c 1', 'poster.jpg')).toBe('/api/cases/c%201/media/poster.jpg');
  });

  it('name each of theatre’s other pictures by its number, and nothing else', () => {
    expect(sourceVideoFile(2)).toBe('source-2.mp4');
    expect(recordingFiles('r1').sourceSegments(2)).toBe('recordings/r1/sources/2');
    expect(caseMediaType(sourceVideoFile(0))).toBe('video/mp4');
    expect(caseMediaUrl('c1', sourceVideoFile(1))).toBe('/api/cases/c1/media/source-1.mp4');
    for (const bad of ['source-.mp4', 'source-1.mp4/../x', '../source-1.mp4', 'source-1234.mp4', 'source-1.mov'])
      expect(SOURCE_VIDEO_FILE.test(bad)).toBe(false);
    expect(() => sourceVideoFile(-1)).toThrow();
    expect(() => sourceVideoFile(1.5)).toThrow();
  });
});

describe('the annotation track', () => {
  const op = {
    v: 1,
    id: 'a1',
    author: 'u1',
    seq: 1,
    t: 1_000,
    frame: null,
    kind: 'shape',
    shape: 'arrow',
    from: [0.1, 0.1],
    to: [0.5, 0.5],
    style: { color: '#00e5ff', width: 'thin' },
    fade: false,
  };

  it('reads what the recorder writes, the recorder’s own fields on each event kept', () => {
    const track = CaseTrack.parse({
      v: 1,
      durationMs: 8000,
      events: [
        { mediaMs: 120, type: 'op', from: 'u1', op },
        { mediaMs: 4000, type: 'pause', reason: 'person' },
      ],
      gaps: [{ atMs: 3000, kind: 'no_picture', ms: 2000 }],
    });
    expect(track.events[0]).toMatchObject({ from: 'u1', op: { id: 'a1' } });
    expect(track.events[1]).toMatchObject({ type: 'pause', reason: 'person' });
  });

  it('a track from before gaps were written has none', () => {
    expect(CaseTrack.parse({ v: 1, durationMs: 1, events: [] }).gaps).toEqual([]);
  });

  it('a track from before every source was kept is one picture; a newer one lists the others on its timeline', () => {
    const old = CaseTrack.parse({ v: 1, durationMs: 1, events: [] });
    expect([old.main, old.sources]).toEqual([undefined, undefined]);
    const source = { id: 'u-theatre#ultrasound', label: 'Ultrasound', file: 'source-0.mp4', startMs: 2000, durationMs: 6000 };
    const track = CaseTrack.parse({ v: 1, durationMs: 8000, events: [], main: 'u-theatre#main', mainLabel: 'Laparoscope', sources: [source] });
    expect(track.sources).toEqual([source]);
    expect(CaseTrack.safeParse({ v: 1, durationMs: 8000, events: [], sources: [{ ...source, file: '../case.mp4' }] }).success).toBe(false);
  });

  it('refuses a track of another version, or with an op no receiver would have taken', () => {
    expect(CaseTrack.safeParse({ v: 2, durationMs: 1, events: [] }).success).toBe(false);
    expect(CaseTrack.safeParse({ v: 1, durationMs: 1, events: [{ mediaMs: 1, type: 'op', op: { ...op, from: [2, 0] } }] }).success).toBe(false);
  });
});

describe('who holds the overlay', () => {
  it('theatre and mentors do; observers and any display-only screen do not', () => {
    expect(holdsOverlay({ role: 'theatre' })).toBe(true);
    expect(holdsOverlay({ role: 'mentor' })).toBe(true);
    expect(holdsOverlay({ role: 'observer' })).toBe(false);
    expect(holdsOverlay({ role: 'theatre', display: 'true' })).toBe(false);
    expect(holdsOverlay({ role: 'host' })).toBe(false);
    expect(holdsOverlay(undefined)).toBe(false);
  });
});
