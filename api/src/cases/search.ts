/**
 * Searching the library. The index (cases_fts, FTS5) is written by triggers on the cases
 * table (migrations/0008_cases_fts_triggers.sql), never by the api; the api only asks it.
 */

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
