import { isMainSource, type Annotation } from '@loupe/protocol';
import type { LaserTrail, OverlaySource } from '$lib/annotate/overlay-sync.svelte.ts';
import type { TrackEvent } from '@loupe/protocol';
import { OverlayReplay } from './replay.ts';

/** The replay as something the annotation canvas draws from, redrawn at every seek. */
export class ReplayOverlay implements OverlaySource {
  version = $state(0);
  lasers = $state<Record<string, LaserTrail>>({});
  readonly dropped = 0;
  readonly dropReasons = '';
  private readonly replay: OverlayReplay;
  private readonly everySource: boolean;

  /** `everySource`: the case kept every picture, each canvas picks its own marks (its `source`). */
  constructor(events: TrackEvent[], o: { everySource?: boolean } = {}) {
    this.replay = new OverlayReplay(events);
    this.everySource = o.everySource ?? false;
  }

  seek(ms: number): void {
    this.replay.seek(ms);
    const now = performance.now();
    this.lasers = Object.fromEntries(
      this.replay.lasers().map((l) => [l.author, { author: l.author, source: null, points: l.points.map(({ p, ageMs }) => ({ p, at: now - ageMs })) }]),
    );
    this.version++;
  }

  /**
   * A case of one picture shows theatre's main picture: the marks on it (those drawn on another
   * source before the recorder kept every source stay in the track, not on the wrong picture).
   */
  visible(): Annotation[] {
    const all = this.replay.visible();
    return this.everySource ? all : all.filter((a) => isMainSource(a.source));
  }

  opacity(a: Annotation): number {
    return this.replay.opacity(a);
  }
}
