import type { I18n } from '$lib/i18n/i18n.svelte.ts';
import { ApiFailure } from './client.ts';

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
      return /ended/i.test(err.message) ? i18n.t('error.sessionEnded') : i18n.t('error.conflict', { message: err.message });
    default:
      return err.status === 502 ? i18n.t('error.network') : i18n.t('error.unknown');
  }
}
