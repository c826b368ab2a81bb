import { PROTOCOL_EDIT_ROLES, type ExamType, type GlobalRole } from '@loupe/protocol';
import { m } from '$lib/paraglide/messages.js';

export const EXAM_TYPE_NAME = {
  efast: m.protocols_type_efast,
  cardiac: m.protocols_type_cardiac,
  obstetric: m.protocols_type_obstetric,
  abdominal: m.protocols_type_abdominal,
  thyroid: m.protocols_type_thyroid,
  other: m.protocols_type_other,
} satisfies Record<ExamType, () => string>;

/** Who opens the protocol pages: those who edit them, and mentors, who review against them (read only). */
export const PROTOCOL_PAGE_ROLES: readonly GlobalRole[] = [...PROTOCOL_EDIT_ROLES, 'mentor'];
