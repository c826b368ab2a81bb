import type { CaseStill } from '@loupe/protocol';
import { m } from '$lib/paraglide/messages.js';
import { words } from '$lib/exam/labels.ts';

/** What a case's still shows, in the reader's language: its view's name, or that a mentor froze it. */
export const stillName = (s: CaseStill): string => (s.view ? words(s.view.name) : m.casestills_freeze());
