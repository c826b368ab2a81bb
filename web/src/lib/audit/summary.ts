import { GLOBAL_ROLES, SESSION_ROLES, type AuditEntry } from '@loupe/protocol';
import type { MessageKey } from '$lib/i18n/en.ts';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const line = (...parts: string[]) => parts.filter(Boolean).join(' · ');
const isIn = <T extends string>(list: readonly T[], v: unknown): v is T => list.includes(v as T);

/** One line saying what an entry's detail holds, in the reader's language. */
export function summarise(entry: AuditEntry, t: Translate): string {
  const d = entry.detail;
  const sessionRole = (r: unknown) => (isIn(SESSION_ROLES, r) ? t(`sessionRole.${r}`) : text(r));
  const globalRole = (r: unknown) => (isIn(GLOBAL_ROLES, r) ? t(`role.${r}`) : text(r));
  const check = (label: MessageKey, ok: unknown) => `${t(label)} ${ok === true ? '✓' : '✗'}`;
  switch (entry.action) {
    case 'auth.sign_in_failed':
      return t(d.reason === 'wrong_password' ? 'audit.detail.wrongPassword' : 'audit.detail.unknownEmail');
    case 'auth.sign_in_locked': {
      const seconds = Number(d.seconds);
      const duration = seconds < 90 ? t('audit.detail.seconds', { count: seconds }) : t('audit.detail.minutes', { count: Math.round(seconds / 60) });
      return t(d.scope === 'address' ? 'audit.detail.lockedAddress' : 'audit.detail.lockedAccount', { duration });
    }
    case 'user.created':
      return line(text(d.email), globalRole(d.role));
    case 'session.token':
    case 'session.joined_room':
      // `catch-up`: LiveKit's webhook was lost (the api was down); the api found the join itself.
      return line(sessionRole(d.role), d.displayOnly ? t('audit.detail.displayOnly') : '', d.source === 'catch-up' ? t('audit.detail.caughtUp') : '');
    case 'session.member_added':
      return line(text(d.email), sessionRole(d.role));
    case 'session.member_role_changed':
      return line(text(d.email), `${sessionRole(d.from)} → ${sessionRole(d.to)}`);
    case 'session.member_removed':
      return sessionRole(d.role);
    case 'recording.start':
      return line(check('audit.detail.consentOnFile', d.consentOnFile), check('audit.detail.noIdentifiers', d.noIdentifiersInView));
    case 'case.edit':
    case 'case.publish': {
      const fields = Array.isArray(d.fields) ? d.fields.filter((f) => f !== 'published').join(', ') : '';
      return line(t(d.published ? 'audit.detail.published' : 'audit.detail.private'), fields && t('audit.detail.changed', { fields }));
    }
    case 'case.delete':
    case 'case.expired':
      return text(d.title);
    case 'case.media':
      return text(d.range) || t('audit.detail.wholeFile');
    case 'access.denied':
      return line(String(d.status ?? ''), `${text(d.method)} ${text(d.path)}`.trim());
    default:
      return line(...Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`));
  }
}
