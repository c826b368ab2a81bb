import type { GlobalRole, SessionKind, SessionRole } from '@loupe/protocol';
import { m } from '../paraglide/messages.js';

/** An account's role, in the reader's language. */
export const GLOBAL_ROLE_NAME = {
  admin: m.role_admin,
  mentor: m.role_mentor,
  surgeon: m.role_surgeon,
  trainee: m.role_trainee,
  qc_lead: m.role_qc_lead,
} satisfies Record<GlobalRole, () => string>;

/** A role in a session, in the reader's language. */
export const SESSION_ROLE_NAME = {
  host: m.sessionRole_host,
  mentor: m.sessionRole_mentor,
  theatre: m.sessionRole_theatre,
  observer: m.sessionRole_observer,
} satisfies Record<SessionRole, () => string>;

/** A role as this kind of session calls it: theatre is the scan room of an ultrasound session. */
export function sessionRoleName(role: SessionRole, kind: SessionKind): string {
  return kind === 'ultrasound' && role === 'theatre' ? m.sessionRole_scanRoom() : SESSION_ROLE_NAME[role]();
}

/** What a role in a session does, for someone choosing whom to invite as what. */
export const SESSION_ROLE_HINT = {
  host: m.sessionRole_host_hint,
  mentor: m.sessionRole_mentor_hint,
  theatre: m.sessionRole_theatre_hint,
  observer: m.sessionRole_observer_hint,
} satisfies Record<SessionRole, () => string>;

/** What a role does in a session of this kind (see sessionRoleName). */
export function sessionRoleHint(role: SessionRole, kind: SessionKind): string {
  return kind === 'ultrasound' && role === 'theatre' ? m.sites_scanRoomHint() : SESSION_ROLE_HINT[role]();
}
