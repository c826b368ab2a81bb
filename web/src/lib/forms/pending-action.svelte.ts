import { invalidateAll } from '$app/navigation';
import { failureMessage } from '$lib/api/failure-message.ts';

/**
 * One api action behind a button or form: `busy` while it runs, `problem` (in the reader's
 * language) when it fails, and the page's data reloaded when it succeeds.
 */
export class PendingAction {
  busy = $state(false);
  problem = $state<string | null>(null);
  async run(action: () => Promise<unknown>): Promise<boolean> {
    this.busy = true;
    this.problem = null;
    try {
      await action();
      await invalidateAll();
      return true;
    } catch (err) {
      this.problem = failureMessage(err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
