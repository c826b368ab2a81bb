import type { ConflictReason } from '@loupe/protocol';
import { htmlLang } from '../i18n/locales.ts';
import { m } from '../paraglide/messages.js';
import { getLocale } from '../paraglide/runtime.js';
import { ApiFailure } from './client.ts';

const CONFLICT = {
  session_ended: m.conflict_session_ended,
  already_recording: m.conflict_already_recording,
  no_recording: m.conflict_no_recording,
  recording_state: m.conflict_recording_state,
  case_not_ready: m.conflict_case_not_ready,
  case_processing: m.conflict_case_processing,
  email_taken: m.conflict_email_taken,
  own_host_role: m.conflict_own_host_role,
  remove_self: m.conflict_remove_self,
  protocol_exists: m.conflict_protocol_exists,
  protocol_in_use: m.conflict_protocol_in_use,
  exam_closed: m.conflict_exam_closed,
  view_closed: m.conflict_view_closed,
  still_reviewed: m.conflict_still_reviewed,
  site_name_taken: m.sites_conflictNameTaken,
  site_cycle: m.sites_conflictCycle,
  device_bound: m.vitals_conflict_device_bound,
  lease_lost: m.conflict_lease_lost,
  no_pacs: m.conflict_no_pacs,
  no_patient: m.conflict_no_patient,
} satisfies Record<ConflictReason, () => string>;

/** "in 30 seconds", "2分钟后": when to try again after a 429, from its Retry-After. */
export function retryWhen(err: ApiFailure): string {
  const seconds = err.retryAfter ?? 60;
  const format = new Intl.RelativeTimeFormat(htmlLang(getLocale()), { numeric: 'always' });
  return seconds < 90 ? format.format(seconds, 'second') : format.format(Math.ceil(seconds / 60), 'minute');
}

/** What to tell a person when an api call fails, in their language. */
export function failureMessage(err: unknown): string {
  if (!(err instanceof ApiFailure)) return m.error_unknown();
  switch (err.code) {
    case 'network':
      return m.error_network();
    case 'forbidden':
      return m.error_forbidden();
    case 'not_found':
      return /account/i.test(err.message) ? m.error_noAccount() : m.error_notFound();
    case 'conflict':
      // The api's own words are English and technical: a clinician reads the reason in theirs.
      return err.reason ? CONFLICT[err.reason]() : m.error_conflict();
    case 'rate_limited':
      return m.error_rateLimited({ when: retryWhen(err) });
    case 'unavailable':
      // Only the site's PACS answers so today (api/src/priors/dicomweb.ts).
      return m.error_pacsUnavailable();
    default:
      return err.status === 502 ? m.error_network() : m.error_unknown();
  }
}
