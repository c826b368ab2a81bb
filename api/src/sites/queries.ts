import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { sites } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';

/** Refuses, with a clear 400, site ids in a request that name no site. */
export async function assertSitesExist(db: Db, ids: readonly (string | null | undefined)[]): Promise<void> {
  const wanted = [...new Set(ids.filter((id): id is string => !!id))];
  if (wanted.length === 0) return;
  const found = await db.select({ id: sites.id }).from(sites).where(inArray(sites.id, wanted));
  if (found.length !== wanted.length) throw new ApiError(400, 'invalid_request', 'No such site');
}
