/**
 * The PACS outbox as administrators see it: accepted stills on their way to their site's PACS
 * (api/src/pacs/outbox.ts says how they are sent and retried).
 */
import { z } from 'zod';
import { PACS_STATES } from './exams.ts';
import { Words } from './scan-protocols.ts';
import type { GlobalRole } from './roles.ts';

/** Who sees the queue; only administrators re-queue a still the PACS refused. */
export const PACS_QUEUE_ROLES: readonly GlobalRole[] = ['admin', 'qc_lead'];
export const PACS_RETRY_ROLES: readonly GlobalRole[] = ['admin'];

/** Stills that have a PACS state: queued, failed, sent. */
const QUEUE_STATES = PACS_STATES.filter((s) => s !== 'none');

export const PacsQueueQuery = z.object({
  site: z.uuid().optional(),
  state: z.enum(QUEUE_STATES).optional(),
});
export type PacsQueueQuery = z.infer<typeof PacsQueueQuery>;

export const PacsQueueItem = z
  .object({
    stillId: z.uuid(),
    examId: z.uuid().nullable(),
    sessionId: z.uuid(),
    siteId: z.uuid().nullable(),
    siteName: z.string().nullable(),
    viewKey: z.string().nullable(),
    /** The view's name in the protocol version its exam ran on: what people call it. */
    viewName: Words.nullable(),
    capturedAt: z.string(),
    sopInstanceUid: z.string(),
    state: z.enum(PACS_STATES),
    attempts: z.number(),
    /** Why the last attempt failed, or why it waits ("no PACS configured for this site"). */
    error: z.string().nullable(),
    /** When it is tried next; null once sent, or when a refusal waits for an administrator's retry. */
    nextAt: z.string().nullable(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'PacsQueueItem' });
export type PacsQueueItem = z.infer<typeof PacsQueueItem>;

/** Failed first, then queued, then the most recently sent; at most `PACS_QUEUE_LIMIT`. */
export const PacsQueue = z.object({ stills: z.array(PacsQueueItem) }).meta({ id: 'PacsQueue' });
export type PacsQueue = z.infer<typeof PacsQueue>;
export const PACS_QUEUE_LIMIT = 500;
