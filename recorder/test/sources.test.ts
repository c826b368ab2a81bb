/**
 * Several of theatre's pictures recorded (issue 16), all real processes: livekit-server, the api,
 * the recorder worker and ffmpeg. Theatre publishes numbered pictures from one camera clock (the
 * same number on every source at the same moment), adds a source late and removes one mid-way;
 * a mentor draws on two of them. The case keeps every source in its own file on one timeline:
 * at any moment the numbers decoded from each file agree within SYNC_FRAMES.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFailed } from 'vitest';
import { CaseTrack, TOPICS, sourceId, sourceTrackName, type CaseSource } from '@loupe/protocol';
import { recordingPaths } from '../src/media/recording-files.ts';
import { NumberedPicture, readNumber } from './numbered-picture.ts';
import { arrowOp, startRecordedSession, stoppedAfterEachTest } from './recorded-session.ts';

const run = promisify(execFile);
const W = 640;
const H = 360;
const FRAME_MS = 1000 / 30;
/**
 * How far another source may be off the main picture, in frames: one, as the issue asks. It was 3
 * while each source's segments were cut on their own two seconds (a skip of the main picture's
 * then moved its frames and not theirs, up to the next boundary), and while a picture lost on a
 * busy machine made its source hold an older one.
 */
const SYNC_FRAMES = 1;
/** Rows at the top of a numbered picture that hold its number (numbered-picture.ts). */
const NUMBER_ROWS = 48;

const stopAfterTest = stoppedAfterEachTest();

/** The number on the frame shown at `seconds` into `video` (ffmpeg seeks exactly: it decodes from the keyframe before). */
async function numberAt(video: string, seconds: number): Promise<number> {
  // prettier-ignore
  const { stdout } = await run('ffmpeg', [
    '-v', 'error', '-nostdin', '-ss', seconds.toFixed(4), '-i', video, '-frames:v', '1',
    '-vf', `crop=${W}:${NUMBER_ROWS}:0:0`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-',
  ], { encoding: 'buffer', maxBuffer: 1 << 22 });
  if (stdout.length < W * NUMBER_ROWS) throw new Error(`no frame at ${seconds} s of ${video}`);
  return readNumber(stdout, W);
}

describe('a recording of several sources', () => {
  it('keeps each source in its own file on one timeline, in step within a frame, and every mark with its source', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loupe-sources-'));
    const mediaDir = join(dir, 'media');
    const live = await startRecordedSession({
      dir,
      mediaDir,
      title: 'Three pictures',
      picture: new NumberedPicture(W, H),
      mentor: true,
      mainLabel: 'Laparoscope',
    });
    stopAfterTest(live, dir);
    onTestFailed(() => console.log(live.logs()));
    const sources = live.sources!;
    const theatre = live.theatreRoom.localParticipant!.identity;
    const mentor = live.mentor!;
    const frames = async (n: number) => {
      const from = sources.sent;
      await expect.poll(() => sources.sent, { timeout: 30_000 }).toBeGreaterThanOrEqual(from + n);
    };
    let seq = 0;
    const draw = async (id: string, source: string) => {
      const op = arrowOp({ id, author: mentor.id, seq: seq++, source });
      await mentor.room.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(op)), { reliable: true, topic: TOPICS.ops });
    };

    await sources.add(sourceTrackName('room', 'Room'));
    const recording = await live.startRecording();
    await expect.poll(live.recState, { timeout: 30_000 }).toBe('recording');
    await frames(60);
    // A source added while recording: its file starts where it came.
    await sources.add(sourceTrackName('ultrasound', 'Ultrasound'));
    await frames(75);
    await draw('on-ultrasound', sourceId(theatre, 'ultrasound'));
    await draw('on-main', sourceId(theatre, 'main'));
    await frames(75);
    // A source removed while recording: its file holds black from then on.
    await sources.remove(sourceTrackName('room', 'Room'));
    await frames(60);
    await live.stopRecording();
    await expect.poll(async () => (await live.recording()).status, { timeout: 90_000, interval: 250 }).toBe('ready');

    const paths = recordingPaths(mediaDir, recording.id);
    const track = CaseTrack.parse(JSON.parse(await readFile(paths.caseFiles.annotations, 'utf8')));
    expect(track.main).toBe(sourceId(theatre, 'main'));
    expect(track.mainLabel).toBe('Laparoscope');
    const byLabel = Object.fromEntries((track.sources ?? []).map((s) => [s.label, s])) as Record<string, CaseSource>;
    expect(Object.keys(byLabel).sort()).toEqual(['Room', 'Ultrasound']);
    expect(byLabel.Room!.id).toBe(sourceId(theatre, 'room'));
    expect(byLabel.Ultrasound!.id).toBe(sourceId(theatre, 'ultrasound'));
    // Every file ends where the case does: same zero (each its start), same end, within a frame.
    for (const s of track.sources ?? []) expect(Math.abs(s.startMs + s.durationMs - track.durationMs)).toBeLessThanOrEqual(FRAME_MS);
    expect(byLabel.Ultrasound!.startMs).toBeGreaterThan(1500);
    expect(byLabel.Room!.startMs).toBeLessThan(byLabel.Ultrasound!.startMs - 1000);

    const file = (s: CaseSource) => join(paths.dir, s.file);
    const main = paths.caseFiles.video;
    const us = byLabel.Ultrasound!;
    const room = byLabel.Room!;
    // Moments with all three sources there, mid-frame on the main picture's grid.
    const roomGoneMs = (await numberAtEnd(file(room), room)) ?? track.durationMs;
    const from = us.startMs + 500;
    const to = roomGoneMs - 500;
    expect(to - from).toBeGreaterThan(1000);
    const moments = Array.from({ length: 6 }, (_, i) => (Math.floor((from + ((to - from) * i) / 5) / FRAME_MS) + 0.5) * FRAME_MS);
    for (const ms of moments) {
      const n = await numberAt(main, ms / 1000);
      expect(n).toBeGreaterThan(0);
      const seen = { main: n, room: await numberAt(file(room), (ms - room.startMs) / 1000), us: await numberAt(file(us), (ms - us.startMs) / 1000) };
      expect(Math.abs(seen.room - n), `at ${ms} ms: ${JSON.stringify(seen)}`).toBeLessThanOrEqual(SYNC_FRAMES);
      expect(Math.abs(seen.us - n), `at ${ms} ms: ${JSON.stringify(seen)}`).toBeLessThanOrEqual(SYNC_FRAMES);
    }
    // After its removal, the room's file is black (no number) while the others go on.
    const late = track.durationMs - 300;
    expect(await numberAt(file(room), (late - room.startMs) / 1000)).toBe(0);
    const atEnd = { main: await numberAt(main, late / 1000), us: await numberAt(file(us), (late - us.startMs) / 1000) };
    expect(Math.abs(atEnd.us - atEnd.main), `at ${late} ms: ${JSON.stringify(atEnd)}`).toBeLessThanOrEqual(SYNC_FRAMES);

    // Each mark keeps the source it was drawn on.
    const ops = track.events.flatMap((e) => (e.type === 'op' && e.op ? [e.op as { id: string; source?: string }] : []));
    expect(Object.fromEntries(ops.map((op) => [op.id, op.source]))).toEqual({
      'on-ultrasound': sourceId(theatre, 'ultrasound'),
      'on-main': sourceId(theatre, 'main'),
    });
  });
});

/**
 * Where source `s`'s picture stopped (its file turned black), on the case's timeline: the
 * first of its last frames to read 0, found by halving; null when it never stopped.
 */
async function numberAtEnd(video: string, s: CaseSource): Promise<number | null> {
  const at = async (ms: number) => numberAt(video, (ms - s.startMs) / 1000);
  const last = s.startMs + s.durationMs - 1.5 * FRAME_MS;
  if ((await at(last)) !== 0) return null;
  let lo = s.startMs + FRAME_MS / 2;
  let hi = last;
  while (hi - lo > FRAME_MS) {
    const mid = (lo + hi) / 2;
    if ((await at(mid)) === 0) hi = mid;
    else lo = mid;
  }
  return hi;
}
