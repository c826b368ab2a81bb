import type { I18n } from '$lib/i18n/i18n.svelte.ts';
import { ApiFailure } from './client.ts';

/** "in 30 seconds", "2分钟后": when to try again after a 429, from its Retry-After. */
export function retryWhen(i18n: I18n, err: ApiFailure): string {
  const seconds = err.retryAfter ?? 60;
  const format = new Intl.RelativeTimeFormat(i18n.locale === 'zh' ? 'zh-CN' : 'en', { numeric: 'always' });
  return seconds < 90 ? format.format(seconds, 'second') : format.format(Math.ceil(seconds / 60), 'minute');
}

/** What to tell a person when an api call fails, in their language. */
export function failureMessage(i18n: I18n, err: unknown): string {
  if (!(err instanceof ApiFailure)) return i18n.t('error.unknown');
  switch (err.code) {
    case 'network':
      return i18n.t('error.network');
    case 'forbidden':
      return i18n.t('error.forbidden');
    case 'not_found':
      return /account/i.test(err.message) ? i18n.t('error.noAccount') : i18n.t('error.notFound');
    case 'conflict':
      // The api's own words are English and technical: a clinician reads the reason in theirs.
      return err.reason ? i18n.t(`conflict.${err.reason}`) : i18n.t('error.conflict');
    case 'rate_limited':
      return i18n.t('error.rateLimited', { when: retryWhen(i18n, err) });
    default:
      return err.status === 502 ? i18n.t('error.network') : i18n.t('error.unknown');
  }
}
