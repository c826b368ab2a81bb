import type { AuditAction, AuditTargetType } from '@loupe/protocol';
import { m } from '../paraglide/messages.js';
import type { AuditFamily } from './filters.ts';

/** What an entry records, in the reader's language. */
export const AUDIT_ACTION = {
  'auth.sign_in': m.audit_action_auth_sign_in,
  'auth.sign_in_failed': m.audit_action_auth_sign_in_failed,
  'auth.sign_in_locked': m.audit_action_auth_sign_in_locked,
  'auth.sign_out': m.audit_action_auth_sign_out,
  'user.created': m.audit_action_user_created,
  'session.started': m.audit_action_session_started,
  'session.token': m.audit_action_session_token,
  'session.joined_room': m.audit_action_session_joined_room,
  'session.room_refused': m.audit_action_session_room_refused,
  'session.room_role_changed': m.audit_action_session_room_role_changed,
  'session.member_added': m.audit_action_session_member_added,
  'session.member_role_changed': m.audit_action_session_member_role_changed,
  'session.member_removed': m.audit_action_session_member_removed,
  'recording.start': m.audit_action_recording_start,
  'recording.pause': m.audit_action_recording_pause,
  'recording.resume': m.audit_action_recording_resume,
  'recording.stop': m.audit_action_recording_stop,
  'recording.waiting': m.audit_action_recording_waiting,
  'recording.capturing': m.audit_action_recording_capturing,
  'case.view': m.audit_action_case_view,
  'case.media': m.audit_action_case_media,
  'case.edit': m.audit_action_case_edit,
  'case.publish': m.audit_action_case_publish,
  'case.delete': m.audit_action_case_delete,
  'case.expired': m.audit_action_case_expired,
  'access.denied': m.audit_action_access_denied,
  'site.created': m.audit_action_site_created,
  'site.updated': m.audit_action_site_updated,
  'user.site_changed': m.audit_action_user_site_changed,
  'protocol.saved': m.audit_action_protocol_saved,
  'protocol.refused': m.audit_action_protocol_refused,
  'protocol.image_saved': m.audit_action_protocol_image_saved,
  'exam.started': m.audit_action_exam_started,
  'exam.signed': m.audit_action_exam_signed,
  'still.captured': m.audit_action_still_captured,
  'still.refused': m.audit_action_still_refused,
  'still.verdict': m.audit_action_still_verdict,
  'still.drawn': m.audit_action_still_drawn,
  'pacs.sent': m.audit_action_pacs_sent,
  'pacs.failed': m.audit_action_pacs_failed,
  'pacs.retried': m.audit_action_pacs_retried,
  'vitals.bound': m.vitals_audit_bound,
  'vitals.unbound': m.vitals_audit_unbound,
  'vitals.limits': m.vitals_audit_limits,
} satisfies Record<AuditAction, () => string>;

/** A family of actions, as the filter groups them. */
export const AUDIT_FAMILY = {
  auth: m.audit_family_auth,
  user: m.audit_family_user,
  session: m.audit_family_session,
  recording: m.audit_family_recording,
  case: m.audit_family_case,
  access: m.audit_family_access,
  site: m.audit_family_site,
  protocol: m.audit_family_protocol,
  exam: m.audit_family_exam,
  still: m.audit_family_still,
  pacs: m.audit_family_pacs,
  vitals: m.vitals_audit_family,
} satisfies Record<AuditFamily, () => string>;

/** What kind of thing an entry is about. */
export const AUDIT_TARGET = {
  user: m.audit_target_user,
  session: m.audit_target_session,
  recording: m.audit_target_recording,
  case: m.audit_target_case,
  site: m.audit_target_site,
  protocol: m.audit_target_protocol,
  exam: m.audit_target_exam,
  still: m.audit_target_still,
} satisfies Record<AuditTargetType, () => string>;
