/**
 * Turns a stopped recording into a case: one browser-playable MP4 (H.264 + AAC, faststart) of
 * theatre's main picture, one MP4 for each of its other pictures on the same timeline, a poster
 * frame and the annotation track. Idempotent: running it twice gives the same case.
 */
import { execFile, spawn } from 'node:child_process';
import { createReadStream, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CASE_TRACK_VERSION, sourceVideoFile, type CaseSource, type CaseTrack, type Chapter, type Gap } from '@loupe/protocol';
import { RESTARTED, readEventLog, type LoggedEvent } from './event-log.ts';
import { SAMPLE_RATE, soundSlices } from './media/audio-timeline.ts';
import { FPS } from './media/segmented-video.ts';
import { durationMs } from './media/probe.ts';
import { keptSegments, type RecordingPaths } from './media/recording-files.ts';
import { segmentSeconds, skipsIn, slotOf, type Skip } from './media/slot-timeline.ts';

const run = promisify(execFile);

export type Finalised = {
  video: string;
  poster: string;
  thumbnails: string;
  annotations: string;
  durationMs: number;
  chapters: Chapter[];
};

/** The timeline's thumbnail strip: this many frames, evenly spread, side by side. */
export const THUMBNAIL_COUNT = 10;

export async function finalise(paths: RecordingPaths): Promise<Finalised> {
  const { video, poster, thumbnails, annotations } = paths.caseFiles;
  const { files, counts, frames } = await keptSegments(paths.segments);
  if (files.length === 0) {
    throw new Error('No picture was recorded: theatre sent no video while recording was on.');
  }
  const log = readEventLog(paths.events);
  const skips = skipsIn(log, frames);
  // Each segment lasts as long on the timeline as the clock ran while it was written: where the
  // encoder fell behind, its last picture holds, and what follows starts on time.
  const seconds = segmentSeconds(counts, skips);
  const total = seconds.reduce((a, b) => a + b, 0);
  const list = concatList(join(paths.dir, 'segments.txt'), files, seconds);
  const partial = join(paths.dir, 'case.partial.mp4');
  // The sound was written for every slot: it is as long as the timeline, and cut there. Its
  // slices go in one after another on ffmpeg's stdin (an hour is 1800 of them: too many to name).
  // prettier-ignore
  await runWithInput(soundSlices(paths.sound), [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'concat', '-safe', '0', '-i', list,
    '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', '1', '-i', 'pipe:0',
    '-map', '0:v:0', '-map', '1:a:0', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '96k',
    '-t', total.toFixed(3), '-movflags', '+faststart', partial,
  ]);
  renameSync(partial, video);
  const duration = await durationMs(video);
  // prettier-ignore
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-ss', String(Math.min(1, duration / 2000)), '-i', video, '-frames:v', '1', '-q:v', '3', poster,
  ]);
  // prettier-ignore
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', video,
    '-vf', `fps=${THUMBNAIL_COUNT}/${Math.max(duration / 1000, 0.1)},scale=192:-2,tile=${THUMBNAIL_COUNT}x1`,
    '-frames:v', '1', '-q:v', '4', thumbnails,
  ]);
  const events = timeline(log);
  const main = log.findLast((e) => e.type === 'main');
  const track: CaseTrack = {
    v: CASE_TRACK_VERSION,
    durationMs: duration,
    events,
    gaps: gaps(log, skips),
    main: main ? String(main.id) : null,
    mainLabel: main ? String(main.label) : '',
    sources: await sourceVideos(paths, log, skips, duration),
  };
  writeFileSync(annotations, JSON.stringify(track));
  // Bookmarks become chapters.
  const chapters = events.flatMap((e) =>
    e.type === 'op' && (e.op as { kind?: string }).kind === 'bookmark'
      ? [{ title: (e.op as { title: string }).title, atMs: Math.min(e.mediaMs, duration) }]
      : [],
  );
  return { video, poster, thumbnails, annotations, durationMs: duration, chapters };
}

/** ffmpeg with `args`, the files `input` one after another on its stdin; rejects with its errors. */
async function runWithInput(input: string[], args: string[]): Promise<void> {
  const ffmpeg = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let errors = '';
  // Written to after ffmpeg stopped reading: the exit code tells, not an unhandled EPIPE.
  ffmpeg.stdin.on('error', () => undefined);
  ffmpeg.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = once(ffmpeg, 'close') as Promise<[number | null]>;
  const fed = (async () => {
    for (const file of input) await pipeline(createReadStream(file), ffmpeg.stdin, { end: false });
    ffmpeg.stdin.end();
  })();
  // ffmpeg may stop reading (it failed, or the sound is longer than `-t`): its exit says which.
  fed.catch(() => ffmpeg.stdin.destroy());
  const [code] = await exited;
  if (code !== 0) throw new Error(`ffmpeg could not make the case: ${errors.trim() || `exit ${code}`}`);
}

/** An ffmpeg concat list of `files`, each lasting its `seconds`. */
function concatList(path: string, files: string[], seconds: number[]): string {
  writeFileSync(path, files.map((f, i) => `file '${f.replaceAll("'", "'\\''")}'\nduration ${seconds[i]!.toFixed(6)}`).join('\n') + '\n');
  return path;
}

/**
 * Each of theatre's other pictures as its own video (no sound: the case's is in case.mp4). Its
 * frames were written one for one with the main picture's from the frame where it started, so
 * the main picture's skips are its skips too. A source met before a restart ends where the
 * restart's gap is: what its encoder wrote after the main picture's last whole segment is not
 * on the timeline.
 */
async function sourceVideos(paths: RecordingPaths, log: LoggedEvent[], skips: Skip[], caseMs: number): Promise<CaseSource[]> {
  const out: CaseSource[] = [];
  for (const [i, e] of log.entries()) {
    if (e.type !== 'source') continue;
    const n = Number(e.n);
    const first = Number(e.frame);
    const { files, counts } = await keptSegments(paths.sources(n));
    if (files.length === 0) continue;
    const startMs = Math.round((slotOf(first, skips) * 1000) / FPS);
    const restart = log.slice(i).find((later) => later.type === 'gap' && later.reason === RESTARTED);
    const endMs = Math.min(caseMs, restart ? restart.mediaMs : caseMs);
    if (endMs <= startMs) continue;
    const own = skips.filter((s) => s.frame > first).map((s) => ({ frame: s.frame - first, slots: s.slots }));
    const list = concatList(join(paths.dir, `source-${n}.txt`), files, segmentSeconds(counts, own));
    const video = paths.sourceVideo(n);
    const partial = `${video}.partial.mp4`;
    // prettier-ignore
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'concat', '-safe', '0', '-i', list,
      '-map', '0:v:0', '-c:v', 'copy', '-t', ((endMs - startMs) / 1000).toFixed(3), '-movflags', '+faststart', partial,
    ]);
    renameSync(partial, video);
    out.push({ id: String(e.id), label: String(e.label ?? ''), file: sourceVideoFile(n), startMs, durationMs: await durationMs(video) });
  }
  return out;
}

/** Skips closer than this together are one stretch of a recorder behind. */
const DEGRADED_JOIN_MS = 2000;

/**
 * Where the case is not whole: media a crash lost (`restart`), theatre's picture away while
 * recording waited for it (`no_picture`, not in the case), and the recorder too slow to keep
 * every frame (`degraded`, the picture held through the skipped frames).
 */
export function gaps(log: LoggedEvent[], skips: Skip[]): Gap[] {
  const out: Gap[] = [];
  let degraded: Gap | null = null;
  const skipped = new Set(skips.map((s) => s.frame));
  for (const e of log) {
    if (e.type === 'gap') out.push({ atMs: e.mediaMs, kind: 'restart', ms: Number(e.lostMs) || 0 });
    if (e.type === 'resume' && e.reason === 'no_picture') out.push({ atMs: e.mediaMs, kind: 'no_picture', ms: Number(e.heldMs) || 0 });
    if (e.type === 'skip' && skipped.has(e.frame as number)) {
      const ms = ((e.slots as number) * 1000) / FPS;
      if (degraded && e.mediaMs - (degraded.atMs + degraded.ms) <= DEGRADED_JOIN_MS) degraded.ms = e.mediaMs + ms - degraded.atMs;
      else out.push((degraded = { atMs: e.mediaMs, kind: 'degraded', ms }));
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs).map((g) => ({ ...g, ms: Math.round(g.ms) }));
}

/**
 * The events a replay needs, on the case's timeline. Events logged in media a crash lost sit
 * at the gap, where that media would have been; joins and leaves stay in the raw log.
 */
export function timeline(events: LoggedEvent[]): LoggedEvent[] {
  const out: LoggedEvent[] = [];
  for (const e of events) {
    if (e.type === 'join' || e.type === 'leave' || e.type === 'skip' || e.type === 'main' || e.type === 'source') continue;
    if (e.type === 'gap') for (const earlier of out) earlier.mediaMs = Math.min(earlier.mediaMs, e.mediaMs);
    out.push({ ...e });
  }
  return out;
}
