/** A search of the library as an address: what is searched stays in the URL (reload, back, a shared link). */
/** `site`: the id of the site whose scans are shown; empty for every site. */
export type LibrarySearch = { q: string; specialty: string; site?: string; page?: number };

export function libraryHref({ q, specialty, site = '', page = 1 }: LibrarySearch): string {
  const params = new URLSearchParams();
  if (q.trim()) params.set('q', q.trim());
  if (specialty.trim()) params.set('specialty', specialty.trim());
  if (site) params.set('site', site);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `/cases?${query}` : '/cases';
}
