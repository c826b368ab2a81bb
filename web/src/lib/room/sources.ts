/**
 * Theatre's pictures as every page sees them (protocol/src/sources.ts names them): which video
 * tracks are sources, their ids and labels, and the simulcast layer each tile asks for.
 */
import { Track, VideoQuality, type Participant, type RemoteTrackPublication, type TrackPublication, type VideoTrack } from 'livekit-client';
import { MAIN_SOURCE_KEY, parseSourceTrackName, sourceId, type Layout, type PriorImage, type SharedImage } from '@loupe/protocol';

export type SourceView = {
  id: string;
  key: string;
  /** Theatre's label; empty for a theatre page from before sources had labels. */
  label: string;
  owner: string;
  ownerName: string;
  track: VideoTrack;
  /** Remote publications can be asked for a simulcast layer; theatre's own cannot. */
  remote: RemoteTrackPublication | null;
};

/**
 * A picture of the grid: one of theatre's sources (a live track), or a prior image a mentor
 * showed to everyone (an image each page fetches through the api, where its member check is).
 */
export type PictureView = Omit<SourceView, 'track'> & { track: VideoTrack | null; image: string | null; shared: SharedImage | null };

/** The rendered prior image's address, through the api (never the PACS's own). */
export function priorImageUrl(sessionId: string, image: PriorImage): string {
  const id = encodeURIComponent(sessionId);
  return `/api/sessions/${id}/priors/${image.study}/series/${image.series}/instances/${image.sop}/rendered?window=${image.window}`;
}

/** The pictures to lay out: theatre's sources first, then the prior images shown, oldest first. */
export function listPictures(sessionId: string, sources: readonly SourceView[], shared: readonly SharedImage[], names: Record<string, string>): PictureView[] {
  return [
    ...sources.map((s) => ({ ...s, image: null, shared: null })),
    ...shared.map((s) => ({
      id: s.source,
      key: s.id,
      label: s.label,
      owner: s.author,
      ownerName: names[s.author] ?? s.author,
      track: null,
      remote: null,
      image: priorImageUrl(sessionId, s.image),
      shared: s,
    })),
  ];
}

export type LostSource = { id: string; label: string; ownerName: string };

const isTheatre = (p: Participant) => p.attributes.role === 'theatre' && p.attributes.display !== 'true';

/** The source a theatre's video publication is, or null (not a theatre, not video). */
export function sourceOfPublication(p: Participant, pub: TrackPublication): Omit<SourceView, 'track' | 'remote'> | null {
  if (!isTheatre(p) || pub.kind !== Track.Kind.Video) return null;
  const named = parseSourceTrackName(pub.trackName) ?? { key: MAIN_SOURCE_KEY, label: '' };
  return { id: sourceId(p.identity, named.key), key: named.key, label: named.label, owner: p.identity, ownerName: p.name || p.identity };
}

/** Every theatre's pictures that can be shown now, theatre by theatre (by identity), each in publishing order. */
export function listSources(participants: readonly Participant[]): SourceView[] {
  const theatres = participants.filter(isTheatre).sort((a, b) => (a.identity < b.identity ? -1 : 1));
  return theatres.flatMap((p) =>
    [...p.trackPublications.values()].flatMap((pub) => {
      const source = sourceOfPublication(p, pub);
      if (!source || !pub.track || (!p.isLocal && !pub.isSubscribed)) return [];
      return [{ ...source, track: pub.track as VideoTrack, remote: p.isLocal ? null : (pub as RemoteTrackPublication) }];
    }),
  );
}

/**
 * The simulcast layer a tile asks for: the large picture the top one, thumbnails the lowest, and
 * the equal tiles of 2×2 or side by side the middle one (the lowest on a phone).
 */
export function tileQuality(layout: Layout, large: boolean, phone: boolean): VideoQuality {
  if (layout === 'focus') return large ? VideoQuality.HIGH : VideoQuality.LOW;
  return phone ? VideoQuality.LOW : VideoQuality.MEDIUM;
}

/** A picture's name on screen: its label, or "Picture n" when theatre gave none. */
export function sourceName(source: { label: string }, index: number, unnamed: (n: number) => string): string {
  return source.label || unnamed(index + 1);
}
