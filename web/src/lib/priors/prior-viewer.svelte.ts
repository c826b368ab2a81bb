import type { PriorInstances, WindowPreset } from '@loupe/protocol';
import { apiClient, unwrap } from '$lib/api/client.ts';
import { failureMessage } from '$lib/api/failure-message.ts';

type Instance = PriorInstances['instances'][number];
export type SeriesRef = { sessionId: string; studyUid: string; seriesUid: string };

/**
 * One prior series in the viewer: its slices, the one shown, the window and the zoom. Each slice
 * is rendered by the PACS through the api (never fetched from the PACS by the browser) and kept
 * as an object URL, so that scrolling back is instant; the URLs go when the viewer closes.
 */
export class PriorViewer {
  instances = $state<Instance[]>([]);
  /** From 0. */
  index = $state(0);
  preset = $state<WindowPreset>('default');
  zoom = $state(1);
  /** The shown slice's image, or null while the first one loads. */
  image = $state<string | null>(null);
  /** What went wrong, in the reader's words (the PACS down, the series gone); null when all is well. */
  error = $state<string | null>(null);
  loading = $state(false);

  readonly series: SeriesRef;
  private readonly images = new Map<string, string>();
  private request: AbortController | null = null;
  private closed = false;

  constructor(series: SeriesRef) {
    this.series = series;
  }

  get count() {
    return this.instances.length;
  }

  async open(): Promise<void> {
    const { sessionId: id, studyUid: study, seriesUid: series } = this.series;
    try {
      const api = apiClient('/api').sessions[':id'].priors[':study'].series[':series'].instances;
      this.instances = (await unwrap(api.$get({ param: { id, study, series } }))).instances;
      this.error = null;
      await this.show(0);
    } catch (err) {
      this.error = failureMessage(err);
    }
  }

  /** Shows slice `index` (clamped) in the current window. */
  async show(index: number): Promise<void> {
    if (this.count === 0) return;
    this.index = Math.min(this.count - 1, Math.max(0, Math.round(index)));
    const sop = this.instances[this.index]!.sopUid;
    const key = `${sop}|${this.preset}`;
    const kept = this.images.get(key);
    if (kept) {
      this.request?.abort();
      this.image = kept;
      this.error = null;
      return;
    }
    this.request?.abort();
    const request = new AbortController();
    this.request = request;
    this.loading = true;
    try {
      const url = await this.fetchImage(sop, request.signal);
      if (this.closed) return URL.revokeObjectURL(url);
      this.images.set(key, url);
      if (this.request === request) {
        this.image = url;
        this.error = null;
      }
    } catch (err) {
      if (!request.signal.aborted) this.error = failureMessage(err);
    } finally {
      if (this.request === request) this.loading = false;
    }
  }

  step(delta: number) {
    void this.show(this.index + delta);
  }

  setPreset(preset: WindowPreset) {
    this.preset = preset;
    void this.show(this.index);
  }

  zoomBy(factor: number) {
    this.zoom = Math.min(8, Math.max(1, Math.round(this.zoom * factor * 100) / 100));
  }

  close() {
    this.closed = true;
    this.request?.abort();
    for (const url of this.images.values()) URL.revokeObjectURL(url);
    this.images.clear();
  }

  private async fetchImage(sop: string, signal: AbortSignal): Promise<string> {
    const { sessionId: id, studyUid: study, seriesUid: series } = this.series;
    const api = apiClient('/api', (input, init) => fetch(input, { ...init, signal }));
    const res = await api.sessions[':id'].priors[':study'].series[':series'].instances[':sop'].rendered.$get({
      param: { id, study, series, sop },
      query: { window: this.preset },
    });
    // A refusal's body is the api's error: unwrap turns it into the failure to show.
    if (!res.ok) await unwrap(Promise.resolve(res));
    return URL.createObjectURL(await res.blob());
  }
}
