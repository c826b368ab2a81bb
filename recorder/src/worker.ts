/**
 * The recorder worker: asks the api what to record, keeps one RoomRecorder per recording in
 * step with its status (recording, paused, stopped), finalises stopped ones (saying so first)
 * and reports their outcome.
 *
 * Several workers share the work through leases (api/src/leases/lease.ts): each poll renews the
 * leases this worker holds and takes recordings nobody holds while it has room (`slots`, its
 * CPU budget over a stream's cost). Each of theatre's other pictures kept is one stream more: it
 * is kept only while the budget has room, and takes the room of a recording. A recording whose worker died is taken over by another once
 * its lease lapses, and continues from what is on disk with the gap marked, as after a restart.
 * A worker that cannot renew in time (paused, cut off) stops writing before its lease can lapse
 * at the api: its own clock, started before the poll the api counts from, runs out first.
 */
import { existsSync, readdirSync } from 'node:fs';
import { MediaStore } from '@loupe/media-store';
import { recordingFiles, type RecorderState } from '@loupe/protocol';
import { LeaseLost, type RecorderApi, type Work } from './api.ts';
import type { RecorderConfig } from './env.ts';
import { finalise } from './finalise.ts';
import { recordingPaths } from './media/recording-files.ts';
import { RoomRecorder } from './room-recorder.ts';

/** Polls failing in a row before it is logged as an error. */
const POLLS_BEFORE_ERROR = 3;
/**
 * The share of a lease this worker writes under after the poll that renewed it: the rest covers
 * the clocks of two machines running at slightly different rates and a write already under way.
 */
const LEASE_SHARE = 0.75;

/** An error and what caused it: fetch's own message is only "fetch failed". */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as (Error & { code?: string }) | undefined;
  return cause ? `${err.message} (${[cause.code, cause.message].filter(Boolean).join(': ')})` : err.message;
}

function hasSegments(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((name) => /^seg_\d+\.mp4$/.test(name));
}

export class RecorderWorker {
  private readonly active = new Map<string, { recorder: RoomRecorder; epoch: number }>();
  /** The epoch of each recording this worker held at its last poll. */
  private held = new Map<string, number>();
  /** Until when (performance.now()) this worker may write what it holds: its last renewal's deadline. */
  private leaseUntil = -Infinity;
  private readonly finishing = new Set<string>();
  /**
   * Recordings that failed while capturing, with why and whether the api knows: never started
   * again, even by a poll that read the work list before the api was told.
   */
  private readonly failed = new Map<string, { reason: string; reported: boolean }>();
  /** The last state each recorder reported that the api has not taken yet: sent again at each poll. */
  private readonly unsent = new Map<string, RecorderState>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failedPolls = 0;
  private stopped = false;
  /** Aborted at shutdown: a case waiting for the bucket is finished by the next start instead. */
  private readonly shuttingDown = new AbortController();

  private readonly config: RecorderConfig;
  private readonly api: RecorderApi;
  readonly media: MediaStore;

  constructor(config: RecorderConfig, api: RecorderApi) {
    this.config = config;
    this.api = api;
    this.media = new MediaStore({ dir: config.mediaDir, s3: config.s3 });
  }

  start(): void {
    const loop = async () => {
      await this.poll().then(
        () => (this.failedPolls = 0),
        (err: unknown) => {
          // One failure is retried at the next poll (the api restarting, or a kept-alive
          // connection it closed as it was reused): worth a line, not an alarm.
          const say = ++this.failedPolls >= POLLS_BEFORE_ERROR ? console.error : console.log;
          say(`recorder: poll ${this.failedPolls} in a row failed: ${describeError(err)}`);
        },
      );
      if (!this.stopped) this.timer = setTimeout(loop, this.config.pollMs);
    };
    void loop();
  }

  /** Whether this worker's leases still stand by its own clock (monotonic: it runs on through a SIGSTOP). */
  private holdsLeases(): boolean {
    return performance.now() < this.leaseUntil;
  }

  /** One pass: renew the leases, then bring every recorder in line with the api. */
  async poll(): Promise<void> {
    // The api counts the lease from when the poll reaches it, later than now.
    const sentAt = performance.now();
    const { leaseMs, recordings: work } = await this.api.work(Math.max(this.held.size, this.config.slots - this.extraStreams()));
    this.leaseUntil = sentAt + leaseMs * LEASE_SHARE;
    this.held = new Map(work.map((w) => [w.id, w.epoch]));
    // Finished, or held by another worker (under a newer epoch, even if it is this worker's again):
    // left without another write.
    for (const [id, { recorder, epoch }] of this.active) {
      if (this.held.get(id) !== epoch) this.leave(id, recorder);
    }
    for (const [id, state] of this.unsent) await this.sendState(id, state);
    for (const item of work) await this.handle(item);
  }

  /** Streams beyond one a recording: theatre's other pictures being kept. */
  private extraStreams(): number {
    return [...this.active.values()].reduce((n, { recorder }) => n + recorder.extraSources, 0);
  }

  /** This worker no longer holds the recording: its recorder stops without writing anything more. */
  private leave(id: string, recorder: RoomRecorder): void {
    if (this.active.get(id)?.recorder !== recorder) return;
    this.active.delete(id);
    this.unsent.delete(id);
    recorder.relinquish();
    console.log(`recording ${id}: no longer this worker's (${this.config.workerId}); left it`);
  }

  private async handle(item: Work): Promise<void> {
    const failure = this.failed.get(item.id);
    if (failure) return failure.reported ? undefined : this.reportFailure(item.id);
    const recorder = this.active.get(item.id)?.recorder;
    if (item.status === 'recording' || item.status === 'waiting' || item.status === 'paused') {
      if (!recorder) {
        const created: RoomRecorder = new RoomRecorder({
          onState: (state) => void this.sendState(item.id, state),
          onIdle: () => void this.stopIdle(item.id),
          onFailed: (reason) => void this.abandon(item.id, reason),
          mayWrite: () => this.holdsLeases(),
          mayAddSource: () => this.active.size + this.extraStreams() < this.config.slots,
          onFenced: () => this.leave(item.id, created),
          writer: { worker: this.config.workerId, epoch: item.epoch },
          recordingId: item.id,
          sessionId: item.sessionId,
          livekitWsUrls: this.config.livekitWsUrls,
          livekitKeys: this.config.livekitKeys,
          media: this.media,
          idleStopMs: this.config.idleStopMs,
        });
        this.active.set(item.id, { recorder: created, epoch: item.epoch });
        await created.start(item.status === 'paused');
        if (this.active.get(item.id)?.recorder === created) {
          console.log(`recording ${item.id} (session ${item.sessionId}) started by ${this.config.workerId} (lease epoch ${item.epoch})`);
        }
      } else if (item.status === 'paused') recorder.pause();
      else recorder.resume();
      return;
    }
    if (this.finishing.has(item.id)) return;
    this.finishing.add(item.id);
    void this.finish(item.id, item.epoch, recorder).finally(() => this.finishing.delete(item.id));
  }

  /** A report under this worker's lease; one the api refuses as from a lost lease leaves the recording. */
  private async leased(id: string, send: (epoch: number) => Promise<void>): Promise<void> {
    const epoch = this.held.get(id);
    if (epoch === undefined) throw new LeaseLost(`this worker no longer holds recording ${id}`);
    try {
      await send(epoch);
    } catch (err) {
      const active = this.active.get(id);
      if (err instanceof LeaseLost && active) this.leave(id, active.recorder);
      throw err;
    }
  }

  /** Tells the api what a recorder says; kept to send again if the api cannot be reached. */
  private async sendState(id: string, state: RecorderState): Promise<void> {
    this.unsent.set(id, state);
    try {
      await this.leased(id, (epoch) => this.api.state(id, epoch, state));
      if (this.unsent.get(id) === state) this.unsent.delete(id);
    } catch (err) {
      if (err instanceof LeaseLost) return void this.unsent.delete(id);
      console.log(`recording ${id}: could not tell the api it is ${state.capture}${state.degraded ? ', degraded' : ''}: ${describeError(err)}`);
    }
  }

  /** The picture stayed away too long: the api stops the recording, the next poll finishes it. */
  private async stopIdle(id: string): Promise<void> {
    console.log(`recording ${id}: theatre's picture away for ${Math.round(this.config.idleStopMs / 60_000)} min; stopping`);
    await this.leased(id, (epoch) => this.api.stop(id, epoch, { reason: 'no_picture' })).catch((err) =>
      console.error(`recording ${id}: could not stop it:`, describeError(err)),
    );
  }

  /**
   * Finishes a stopped recording under lease `epoch`. The report is refused if the lease changed
   * hands meanwhile; a worker whose lease lapsed by its own clock does not start encoding.
   */
  private async finish(id: string, epoch: number, recorder: RoomRecorder | undefined): Promise<void> {
    this.unsent.delete(id);
    try {
      if (recorder) {
        this.active.delete(id);
        await recorder.stop();
      }
      if (!this.holdsLeases()) throw new LeaseLost(`lease on ${id} lapsed before it was finalised`);
      // Told before the encoding starts, which takes a while. If the api cannot be reached the
      // case is finalised all the same: it takes the outcome from `stopped` too.
      await this.api.finalising(id, epoch).catch((err: unknown) => {
        if (err instanceof LeaseLost) throw err;
        console.log(`recording ${id}: could not tell the api it is finalising: ${describeError(err)}`);
      });
      const { dir } = recordingFiles(id);
      const signal = this.shuttingDown.signal;
      // Segments and the event log this machine does not have (its disk was lost, or another worker
      // recorded them). With the bucket away, what is here is finalised; with nothing here, the
      // bucket is waited for.
      const paths = recordingPaths(this.config.mediaDir, id);
      if (!(await this.media.tryRestore(dir)) && !hasSegments(paths.segments)) await this.media.restore(dir, signal);
      const result = await finalise(paths);
      // A case is ready only once every file is in the bucket; while the bucket is away it waits.
      await this.media.storeFolder(dir, signal);
      await this.api.report(id, epoch, { status: 'ready', durationMs: result.durationMs, failure: null, chapters: result.chapters });
      console.log(`recording ${id} ready (${(result.durationMs / 1000).toFixed(1)} s)`);
      // The bucket holds it all now; a copy left here by a failure is only disk space.
      await this.media.releaseLocal(dir).catch((err) => console.error(`recording ${id}: its local files stay: ${describeError(err)}`));
    } catch (err) {
      if (this.shuttingDown.signal.aborted) return;
      if (err instanceof LeaseLost) return void console.log(`recording ${id}: ${err.message}; left to the worker that holds it`);
      const reason = err instanceof Error ? err.message : String(err);
      console.error(`recording ${id} failed: ${reason}`);
      await this.api.report(id, epoch, { status: 'failed', durationMs: null, failure: reason, chapters: [] }).catch(() => undefined);
    }
  }

  /**
   * A recording that could not be written (the disk is full) is given up, not retried: its
   * recorder is stopped and the api told why, which ends it for everyone. Other recordings
   * and the worker go on.
   */
  private async abandon(id: string, reason: string): Promise<void> {
    console.error(`recording ${id} failed: ${reason}`);
    this.failed.set(id, { reason, reported: false });
    const recorder = this.active.get(id)?.recorder;
    this.active.delete(id);
    await recorder?.stop().catch(() => undefined);
    await this.reportFailure(id);
  }

  /** Tells the api why; if it cannot be reached, the next poll tries again. */
  private async reportFailure(id: string): Promise<void> {
    const failure = this.failed.get(id)!;
    try {
      await this.leased(id, (epoch) => this.api.report(id, epoch, { status: 'failed', durationMs: null, failure: failure.reason, chapters: [] }));
      failure.reported = true;
    } catch (err) {
      console.error(`recording ${id}: could not report its failure:`, err instanceof Error ? err.message : err);
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.shuttingDown.abort();
    // Capturing recorders are left for the next start to continue; segments and logs are on disk.
    await Promise.all([...this.active.values()].map(({ recorder }) => recorder.stop().catch(() => undefined)));
    await this.media.close();
  }
}
