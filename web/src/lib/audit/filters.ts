import { AUDIT_ACTIONS, type AuditAction } from '@loupe/protocol';

/** The audit page's filters as they sit in its URL; days are `YYYY-MM-DD`. */
export type AuditFilters = { action: string; actor: string; session: string; site: string; from: string; to: string; page: number };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

type FamilyOf<A> = A extends `${infer F}.${string}` ? F : never;
export type AuditFamily = FamilyOf<AuditAction>;

/** Action families in the order the filter lists them: `case` stands for every `case.…`. */
export const AUDIT_FAMILIES = [...new Set(AUDIT_ACTIONS.map((a) => a.split('.')[0] as AuditFamily))];

export const actionsOf = (family: string): AuditAction[] => AUDIT_ACTIONS.filter((a) => a.startsWith(`${family}.`));

export function readFilters(params: URLSearchParams): AuditFilters {
  const get = (name: string) => params.get(name)?.trim() ?? '';
  const day = (name: string) => (DAY.test(get(name)) ? get(name) : '');
  return {
    action: get('action'),
    actor: get('actor'),
    session: get('session'),
    site: get('site'),
    from: day('from'),
    to: day('to'),
    page: Math.max(1, Number.parseInt(get('page') || '1', 10) || 1),
  };
}

/**
 * The api query for these filters. A day runs from midnight to midnight on the web server's
 * clock, which for one department is the clock on the wall; `to` includes its whole day.
 */
export function auditQuery(f: AuditFilters, pageSize: number): Record<string, string> {
  const midnight = (day: string, plusDays = 0) => {
    const d = new Date(`${day}T00:00:00`);
    d.setDate(d.getDate() + plusDays);
    return d.toISOString();
  };
  return {
    ...(f.action ? { action: f.action } : {}),
    ...(f.actor ? { actor: f.actor } : {}),
    ...(f.session ? { session: f.session } : {}),
    ...(f.site ? { site: f.site } : {}),
    ...(f.from ? { from: midnight(f.from) } : {}),
    ...(f.to ? { to: midnight(f.to, 1) } : {}),
    page: String(f.page),
    pageSize: String(pageSize),
  };
}

/** The page's own URL for these filters at another page. */
export function filtersHref(f: AuditFilters, page: number): string {
  const { page: _, ...rest } = f;
  const params = new URLSearchParams(Object.entries(rest).filter(([, v]) => v) as [string, string][]);
  params.set('page', String(page));
  return `/admin/audit?${params}`;
}
