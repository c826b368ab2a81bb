/**
 * Theatre's pictures (issue 16): up to MAX_SOURCES video tracks per theatre participant, each
 * labelled by theatre ("Laparoscope", "Room", "Ultrasound"). The label travels in the track's
 * name (theatre's token may not change its own attributes), so every page and the recorder read
 * the same label without asking anyone.
 *
 * A source's id is its theatre's identity and its key: stable while theatre republishes it (a
 * reload, a new device under the same label), so the marks drawn on it stay on it. Two theatres
 * (two hospitals) never share an id.
 */
import { z } from 'zod';

/** The most pictures one theatre publishes at once. */
export const MAX_SOURCES = 4;
export const MAX_SOURCE_LABEL = 40;

/** The key of the picture a single-source theatre publishes, and of ops that name no source (version 1). */
export const MAIN_SOURCE_KEY = 'main';

const KEY = /^[a-z0-9-]{1,32}$/;
const TRACK_PREFIX = 'loupe-source:';

export const SourceId = z
  .string()
  .max(128 + 33)
  .regex(/^[^#\s]{1,128}#[a-z0-9-]{1,32}$/);
export type SourceId = z.infer<typeof SourceId>;

export function sourceId(identity: string, key: string): SourceId {
  return `${identity}#${key}`;
}

/** The theatre identity a source id belongs to. */
export function sourceOwner(id: SourceId): string {
  return id.slice(0, id.lastIndexOf('#'));
}

/** The key prefix of a prior image a mentor shares (annotation.ts, the `share` op). */
const SHARED_PREFIX = 'prior-';

/** The source id of the prior image a mentor (`author`) shared as share `id`. */
export function sharedSourceId(author: string, id: string): SourceId {
  return sourceId(author, `${SHARED_PREFIX}${id}`);
}

/** A key from a label: "Ultrasound 2" → "ultrasound-2" (empty labels and symbols give "source"). */
export function sourceKey(label: string, taken: readonly string[] = []): string {
  const base =
    label
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24) || 'source';
  let key = base;
  for (let n = 2; taken.includes(key); n++) key = `${base}-${n}`;
  return key;
}

/** The track name theatre publishes a source under. */
export function sourceTrackName(key: string, label: string): string {
  if (!KEY.test(key)) throw new Error(`bad source key: ${key}`);
  return `${TRACK_PREFIX}${key}:${label.trim().slice(0, MAX_SOURCE_LABEL)}`;
}

/**
 * The source a video track's name says, or null for a name that is not one. A theatre page from
 * before issue 16 names its one track otherwise: that is the main source, with no label.
 */
export function parseSourceTrackName(name: string): { key: string; label: string } | null {
  if (!name.startsWith(TRACK_PREFIX)) return null;
  const rest = name.slice(TRACK_PREFIX.length);
  const colon = rest.indexOf(':');
  const key = colon < 0 ? rest : rest.slice(0, colon);
  if (!KEY.test(key)) return null;
  return { key, label: colon < 0 ? '' : rest.slice(colon + 1, colon + 1 + MAX_SOURCE_LABEL) };
}

/** How a viewer lays out several pictures: one large with thumbnails (`focus`), 2×2, side by side. */
export const LAYOUTS = ['focus', 'grid', 'side'] as const;
export type Layout = (typeof LAYOUTS)[number];
