import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { cases } from '../db/schema.ts';

type CaseRow = typeof cases.$inferSelect;

/** Writes (or rewrites) a case's row in the full-text index. */
export async function indexCase(db: Db, row: CaseRow): Promise<void> {
  await db.batch([
    db.run(sql`DELETE FROM cases_fts WHERE case_id = ${row.id}`),
    db.run(sql`INSERT INTO cases_fts (case_id, title, procedure, specialty, tags, description, chapters)
      VALUES (${row.id}, ${row.title}, ${row.procedure}, ${row.specialty}, ${row.tags.join(' ')},
              ${`${row.description}\n${row.learningPoints}`}, ${row.chapters.map((c) => c.title).join('\n')})`),
  ]);
}

export async function unindexCase(db: Db, id: string): Promise<void> {
  await db.run(sql`DELETE FROM cases_fts WHERE case_id = ${id}`);
}

/**
 * A person's search words as an FTS5 query: every word must match, as a prefix. Quoting each
 * word means FTS5 syntax typed by a user (AND, NEAR, column filters, stray quotes) is only text.
 */
export function ftsQuery(input: string): string | null {
  const words = input
    // Control characters (a NUL from `?q=%00`) are no text either: FTS5 would fail on them.
    .split(/[\s"'`*^():,;\p{Cc}]+/u)
    .map((w) => w.trim())
    .filter(Boolean)
    .slice(0, 8);
  return words.length ? words.map((w) => `"${w.replaceAll('"', '')}"*`).join(' ') : null;
}
