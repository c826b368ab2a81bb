import { asc, eq, inArray } from 'drizzle-orm';
import type { Site, SiteEdit, User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { sites } from '../db/schema.ts';
import { ApiError, conflict, notFound } from '../http/errors.ts';

type SiteRow = typeof sites.$inferSelect;

/** Refuses, with a clear 400, site ids in a request that name no site. */
export async function assertSitesExist(db: Db, ids: readonly (string | null | undefined)[]): Promise<void> {
  const wanted = [...new Set(ids.filter((id): id is string => !!id))];
  if (wanted.length === 0) return;
  const found = await db.select({ id: sites.id }).from(sites).where(inArray(sites.id, wanted));
  if (found.length !== wanted.length) throw new ApiError(400, 'invalid_request', 'No such site');
}

/** A site as `viewer` may read it: the PACS address is for admins (it says where patient images go). */
export function toSite(row: SiteRow, viewer: User): Site {
  return { id: row.id, name: row.name, kind: row.kind, parentId: row.parentId, dicomwebUrl: viewer.role === 'admin' ? row.dicomwebUrl : null };
}

export function listSites(db: Db): Promise<SiteRow[]> {
  return db.select().from(sites).orderBy(asc(sites.name));
}

export async function siteById(db: Db, id: string): Promise<SiteRow> {
  const row = await db.select().from(sites).where(eq(sites.id, id)).get();
  if (!row) throw notFound('Site', { type: 'site', id });
  return row;
}

/** Another site already has this name: names are how people pick a site, so they are unique. */
export async function assertNameFree(db: Db, name: string, except?: string): Promise<void> {
  const other = await db.select({ id: sites.id }).from(sites).where(eq(sites.name, name)).get();
  if (other && other.id !== except) throw conflict('site_name_taken', 'Another site already has this name');
}

/**
 * `write` (an insert or update of a site's name), with a clash on the unique name that another
 * request won since assertNameFree looked answered as a 409, not as the database's error.
 */
export async function withNameFree<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (isNameClash(err)) throw conflict('site_name_taken', 'Another site already has this name');
    throw err;
  }
}

function isNameClash(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (/UNIQUE constraint failed: sites\.name/.test(e.message)) return true;
  return false;
}

/**
 * A parent must exist, and a site may not end up inside itself: walking up from the new
 * parent must never reach the site. The walk is bounded by the number of sites, so a cycle
 * already in the table cannot make it loop.
 */
export async function assertParentFits(db: Db, siteId: string, parentId: string | null): Promise<void> {
  if (!parentId) return;
  const all = await db.select({ id: sites.id, parentId: sites.parentId }).from(sites);
  const parentOf = new Map(all.map((s) => [s.id, s.parentId]));
  if (!parentOf.has(parentId)) throw new ApiError(400, 'invalid_request', 'parentId: no such site');
  let at: string | null | undefined = parentId;
  for (let steps = 0; at && steps <= all.length; steps++) {
    if (at === siteId) throw conflict('site_cycle', 'A site cannot be placed inside itself or one of its own sites');
    at = parentOf.get(at);
  }
}

/** The changes of a PATCH that differ from the row, field by field, for the audit entry. */
export function changedFields(row: SiteRow, edit: SiteEdit): Partial<Record<keyof SiteEdit, { from: unknown; to: unknown }>> {
  const changes: Partial<Record<keyof SiteEdit, { from: unknown; to: unknown }>> = {};
  for (const key of Object.keys(edit) as (keyof SiteEdit)[]) {
    if (edit[key] !== undefined && edit[key] !== row[key]) changes[key] = { from: row[key], to: edit[key] };
  }
  return changes;
}
