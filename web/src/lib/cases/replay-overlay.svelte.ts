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

  constructor(events: TrackEvent[]) {
    this.replay = new OverlayReplay(events);
  }

  seek(ms: number): void {
    this.replay.seek(ms);
    const now = performance.now();
    this.lasers = Object.fromEntries(
      this.replay.lasers().map((l) => [l.author, { author: l.author, source: null, points: l.points.map(({ p, ageMs }) => ({ p, at: now - ageMs })) }]),
    );
    this.version++;
  }

  /** A case shows theatre's main picture: the marks on it (marks on another source stay in the track). */
  visible(): Annotation[] {
    return this.replay.visible().filter((a) => isMainSource(a.source));
  }

  opacity(a: Annotation): number {
    return this.replay.opacity(a);
  }
}
