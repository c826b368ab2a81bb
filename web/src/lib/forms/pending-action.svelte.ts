import { invalidateAll } from '$app/navigation';
import { failureMessage } from '$lib/api/failure-message.ts';
import type { I18n } from '$lib/i18n/i18n.svelte.ts';

/**
 * One api action behind a button or form: `busy` while it runs, `problem` (in the reader's
 * language) when it fails, and the page's data reloaded when it succeeds.
 */
export class PendingAction {
  busy = $state(false);
  problem = $state<string | null>(null);
  private readonly i18n: I18n;

  constructor(i18n: I18n) {
    this.i18n = i18n;
  }

  async run(action: () => Promise<unknown>): Promise<boolean> {
    this.busy = true;
    this.problem = null;
    try {
      await action();
      await invalidateAll();
      return true;
    } catch (err) {
      this.problem = failureMessage(this.i18n, err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
