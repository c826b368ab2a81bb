/**
 * Measure — what one more of theatre's pictures costs the recorder (issue 16): one recording of
 * 1 and then of 3 sources (a moving 1280×720 numbered picture each, 30 fps, from one rtc-node
 * camera clock), RECORD_SECONDS each, on the real stack (livekit-server, api and recorder as their
 * own processes). Per run: CPU cores of the recorder and its ffmpeg children over the window, its
 * peak memory, and seconds from stop to the case being ready; then the cost of one extra source.
 * Run alone: `node bench/src/recorder-sources.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispose } from '@livekit/rtc-node';
import { sourceTrackName } from '@loupe/protocol';
import { NumberedPicture } from '../../recorder/test/numbered-picture.ts';
import { startRecordedSession } from '../../recorder/test/recorded-session.ts';
import { peakMemoryMiB, treeCpuSeconds } from './stats.ts';

/** Long enough for a steady CPU figure (300 frames a source); the suite's 20 minutes hold three rounds of it. */
const RECORD_SECONDS = 10;
const EXTRA = [sourceTrackName('room', 'Room'), sourceTrackName('ultrasound', 'Ultrasound')];

const round3 = (n: number) => Math.round(n * 1000) / 1000;

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what} took over ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One recording of `sources` pictures: the recorder's CPU cores and peak memory while recording, and its finalising time. */
async function recordSources(sources: number) {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-sources-'));
  const live = await startRecordedSession({
    dir,
    mediaDir: join(dir, 'media'),
    title: `Sources ${sources}`,
    picture: new NumberedPicture(1280, 720, { moving: true }),
    mainLabel: 'Laparoscope',
  });
  try {
    for (const name of EXTRA.slice(0, sources - 1)) await live.sources!.add(name);
    await live.startRecording();
    await until(async () => live.recState() === 'recording', 'recording to start', 30_000);
    const pid = live.recorder.service.child.pid!;
    const before = { cpu: await treeCpuSeconds(pid), at: performance.now() };
    await new Promise((r) => setTimeout(r, RECORD_SECONDS * 1000));
    const cores = ((await treeCpuSeconds(pid)) - before.cpu) / ((performance.now() - before.at) / 1000);
    const memory = await peakMemoryMiB(pid);
    const stoppedAt = performance.now();
    await live.stopRecording();
    await until(async () => (await live.recording()).status === 'ready', 'the case to be ready', 180_000);
    return { sources, recorder_cores: round3(cores), recorder_node_peak_mib: memory, ready_after_s: round3((performance.now() - stoppedAt) / 1000) };
  } finally {
    await live.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function measureRecorderSources() {
  const one = await recordSources(1);
  const three = await recordSources(3);
  return { record_seconds: RECORD_SECONDS, one, three, cores_per_extra_source: round3((three.recorder_cores - one.recorder_cores) / 2) };
}

if (import.meta.main) {
  console.log(JSON.stringify(await measureRecorderSources(), null, 2));
  await dispose();
}
