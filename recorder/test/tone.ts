/**
 * A microphone that plays a steady 440 Hz tone, published from rtc-node, and a reader of the
 * sound in a recorded file: how the recorder's tests follow sound end to end.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AudioFrame, AudioSource, LocalAudioTrack, TrackPublishOptions, TrackSource, type Room } from '@livekit/rtc-node';

const run = promisify(execFile);
const RATE = 48_000;
const CHUNK = RATE / 100;

export type Tone = { stop(): Promise<void> };

export async function publishTone(room: Room): Promise<Tone> {
  const source = new AudioSource(RATE, 1);
  const track = LocalAudioTrack.createAudioTrack('tone', source);
  const options = new TrackPublishOptions();
  options.source = TrackSource.SOURCE_MICROPHONE;
  await room.localParticipant!.publishTrack(track, options);
  let playing = true;
  const loop = (async () => {
    for (let n = 0; playing; n += CHUNK) {
      const frame = AudioFrame.create(RATE, 1, CHUNK);
      for (let i = 0; i < CHUNK; i++) frame.data[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (n + i)) / RATE));
      // Waits while a second is queued: the tone plays in real time.
      await source.captureFrame(frame);
    }
  })();
  return {
    async stop() {
      playing = false;
      await loop;
      await track.close();
      await source.close();
    },
  };
}

/** The loudness (RMS of 16-bit samples) of each `windowMs` of a file's first sound track. */
export async function loudness(file: string, windowMs: number): Promise<number[]> {
  const rate = 8000;
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', String(rate), '-f', 's16le', '-'], {
    encoding: 'buffer',
    maxBuffer: 1 << 28,
  });
  const samples = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
  const size = (rate * windowMs) / 1000;
  const windows: number[] = [];
  for (let start = 0; start + size <= samples.length; start += size) {
    let sum = 0;
    for (let i = start; i < start + size; i++) sum += samples[i]! ** 2;
    windows.push(Math.sqrt(sum / size));
  }
  return windows;
}
