import { GLOBAL_ROLES, SESSION_ROLES, type AuditEntry } from '@loupe/protocol';
import { GLOBAL_ROLE_NAME, SESSION_ROLE_NAME } from '../i18n/roles.ts';
import { m } from '../paraglide/messages.js';

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const line = (...parts: string[]) => parts.filter(Boolean).join(' · ');
const isIn = <T extends string>(list: readonly T[], v: unknown): v is T => list.includes(v as T);

/** One line saying what an entry's detail holds, in the reader's language. */
export function summarise(entry: AuditEntry): string {
  const d = entry.detail;
  const sessionRole = (r: unknown) => (isIn(SESSION_ROLES, r) ? SESSION_ROLE_NAME[r]() : text(r));
  const globalRole = (r: unknown) => (isIn(GLOBAL_ROLES, r) ? GLOBAL_ROLE_NAME[r]() : text(r));
  const check = (label: string, ok: unknown) => `${label} ${ok === true ? '✓' : '✗'}`;
  switch (entry.action) {
    case 'auth.sign_in_failed':
      return d.reason === 'wrong_password' ? m.audit_detail_wrongPassword() : m.audit_detail_unknownEmail();
    case 'auth.sign_in_locked': {
      const seconds = Number(d.seconds);
      const duration = seconds < 90 ? m.audit_detail_seconds({ count: seconds }) : m.audit_detail_minutes({ count: Math.round(seconds / 60) });
      return d.scope === 'address' ? m.audit_detail_lockedAddress({ duration }) : m.audit_detail_lockedAccount({ duration });
    }
    case 'user.created':
      return line(text(d.email), globalRole(d.role));
    case 'session.token':
    case 'session.joined_room':
      // `catch-up`: LiveKit's webhook was lost (the api was down); the api found the join itself.
      return line(sessionRole(d.role), d.displayOnly ? m.audit_detail_displayOnly() : '', d.source === 'catch-up' ? m.audit_detail_caughtUp() : '');
    case 'session.member_added':
      return line(text(d.email), sessionRole(d.role));
    case 'session.member_role_changed':
      return line(text(d.email), `${sessionRole(d.from)} → ${sessionRole(d.to)}`);
    case 'session.member_removed':
      return sessionRole(d.role);
    case 'recording.start':
      return line(check(m.audit_detail_consentOnFile(), d.consentOnFile), check(m.audit_detail_noIdentifiers(), d.noIdentifiersInView));
    case 'case.edit':
    case 'case.publish': {
      const fields = Array.isArray(d.fields) ? d.fields.filter((f) => f !== 'published').join(', ') : '';
      return line(d.published ? m.audit_detail_published() : m.audit_detail_private(), fields && m.audit_detail_changed({ fields }));
    }
    case 'case.delete':
    case 'case.expired':
      return text(d.title);
    case 'case.media':
      return text(d.range) || m.audit_detail_wholeFile();
    case 'access.denied':
      return line(String(d.status ?? ''), `${text(d.method)} ${text(d.path)}`.trim());
    default:
      return line(...Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`));
  }
}
