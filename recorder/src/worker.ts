/**
 * The recorder worker: asks the api what to record, keeps one RoomRecorder per recording in
 * step with its status (recording, paused, stopped), finalises stopped ones and reports.
 * Several rooms at once; a crash-restart picks up every active recording where it was.
 */
import type { RecorderApi, Work } from './api.ts';
import type { RecorderConfig } from './env.ts';
import { finalise } from './finalise.ts';
import { RoomRecorder, recordingPaths } from './room-recorder.ts';

export class RecorderWorker {
  private readonly active = new Map<string, RoomRecorder>();
  private readonly finishing = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  private readonly config: RecorderConfig;
  private readonly api: RecorderApi;

  constructor(config: RecorderConfig, api: RecorderApi) {
    this.config = config;
    this.api = api;
  }

  start(): void {
    const loop = async () => {
      await this.poll().catch((err) => console.error('recorder: poll failed:', err instanceof Error ? err.message : err));
      if (!this.stopped) this.timer = setTimeout(loop, this.config.pollMs);
    };
    void loop();
  }

  /** One pass: bring every recorder in line with the api. */
  async poll(): Promise<void> {
    const work = await this.api.work();
    for (const item of work) await this.handle(item);
    for (const [id, recorder] of this.active) {
      if (!work.some((w) => w.id === id)) {
        this.active.delete(id);
        await recorder.stop().catch(() => undefined);
      }
    }
  }

  private async handle(item: Work): Promise<void> {
    const recorder = this.active.get(item.id);
    if (item.status === 'recording' || item.status === 'paused') {
      if (!recorder) {
        const created = new RoomRecorder({
          onCapturing: () => void this.api.capturing(item.id).catch((err) => console.error(`recording ${item.id}:`, err)),
          recordingId: item.id,
          sessionId: item.sessionId,
          livekitWsUrl: this.config.livekitWsUrl,
          livekitKeys: this.config.livekitKeys,
          mediaDir: this.config.mediaDir,
        });
        this.active.set(item.id, created);
        await created.start(item.status === 'paused');
        console.log(`recording ${item.id} (session ${item.sessionId}) started`);
      } else if (item.status === 'paused') recorder.pause();
      else recorder.resume();
      return;
    }
    if (this.finishing.has(item.id)) return;
    this.finishing.add(item.id);
    void this.finish(item.id, recorder).finally(() => this.finishing.delete(item.id));
  }

  private async finish(id: string, recorder: RoomRecorder | undefined): Promise<void> {
    try {
      if (recorder) {
        this.active.delete(id);
        await recorder.stop();
      }
      const result = await finalise(recordingPaths(this.config.mediaDir, id));
      await this.api.report(id, { status: 'ready', durationMs: result.durationMs, failure: null, chapters: result.chapters });
      console.log(`recording ${id} ready (${(result.durationMs / 1000).toFixed(1)} s)`);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      console.error(`recording ${id} failed: ${reason}`);
      await this.api.report(id, { status: 'failed', durationMs: null, failure: reason, chapters: [] }).catch(() => undefined);
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // Capturing recorders are left for the next start to continue; segments and logs are on disk.
    await Promise.all([...this.active.values()].map((r) => r.stop().catch(() => undefined)));
  }
}
