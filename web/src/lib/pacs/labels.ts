import type { PacsState } from '@loupe/protocol';
import { m } from '$lib/paraglide/messages.js';

/** The states a still in the queue can be in (a still not for the PACS is not listed). */
export const QUEUE_STATE_NAME = {
  queued: m.pacs_state_queued,
  sent: m.pacs_state_sent,
  failed: m.pacs_state_failed,
} satisfies Record<Exclude<PacsState, 'none'>, () => string>;

export const QUEUE_STATES = Object.keys(QUEUE_STATE_NAME) as (keyof typeof QUEUE_STATE_NAME)[];
