/**
 * Theatre's own pictures (issue 16): up to MAX_SOURCES at once, each labelled, added and removed
 * while the room stays joined. The first is the main source (the single picture of a one-source
 * session, as before); a picture whose capture ends (a cable pulled, a share stopped) leaves the
 * room at once so that every screen says so, and the others carry on.
 */
import { TrackEvent, type Room } from 'livekit-client';
import { MAIN_SOURCE_KEY, MAX_SOURCES, sourceId, sourceKey, sourceTrackName } from '@loupe/protocol';
import { publishPicture, type PictureSource, type PublishedPicture } from './publish-picture.ts';

export type TheatreSource = { key: string; label: string; chosen: PictureSource; published: PublishedPicture };

export class TheatreSources {
  list = $state<TheatreSource[]>([]);
  private readonly onLost: (lost: { id: string; label: string }) => void;

  /** `onLost`: a picture's capture ended by itself. */
  constructor(onLost: (lost: { id: string; label: string }) => void) {
    this.onLost = onLost;
  }

  get full(): boolean {
    return this.list.length >= MAX_SOURCES;
  }

  /** The first picture, or another in its place (theatre's "change source"): same key, so its marks stay. */
  async setMain(room: Room, chosen: PictureSource, label: string): Promise<TheatreSource> {
    const main = this.list.find((s) => s.key === MAIN_SOURCE_KEY);
    if (main) await this.remove(main.key);
    return this.publish(room, MAIN_SOURCE_KEY, chosen, label, 0);
  }

  async add(room: Room, chosen: PictureSource, label: string): Promise<TheatreSource> {
    if (this.full) throw new Error(`at most ${MAX_SOURCES} pictures`);
    const key = this.list.length === 0 ? MAIN_SOURCE_KEY : sourceKey(label, [MAIN_SOURCE_KEY, ...this.list.map((s) => s.key)]);
    return this.publish(room, key, chosen, label, this.list.length);
  }

  async remove(key: string): Promise<void> {
    const source = this.list.find((s) => s.key === key);
    if (!source) return;
    this.list = this.list.filter((s) => s !== source);
    await source.published.stop().catch(() => undefined);
  }

  /** A new session of the room has none of our tracks: each picture again, same keys and labels. */
  async republish(room: Room): Promise<void> {
    const before = this.list;
    this.list = [];
    for (const [i, s] of before.entries()) {
      await s.published.stop().catch(() => undefined);
      await this.publish(room, s.key, s.chosen, s.label, i);
    }
  }

  async stopAll(): Promise<void> {
    const all = this.list;
    this.list = [];
    await Promise.all(all.map((s) => s.published.stop().catch(() => undefined)));
  }

  private async publish(room: Room, key: string, chosen: PictureSource, label: string, at: number): Promise<TheatreSource> {
    const published = await publishPicture(room, chosen, sourceTrackName(key, label));
    const source: TheatreSource = { key, label, chosen, published };
    const list = [...this.list];
    list.splice(at, 0, source);
    this.list = list;
    published.track.once(TrackEvent.Ended, () => {
      if (!this.list.includes(source)) return;
      this.onLost({ id: sourceId(room.localParticipant.identity, key), label });
      void this.remove(key);
    });
    return source;
  }
}
