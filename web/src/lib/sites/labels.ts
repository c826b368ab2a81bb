import type { SessionKind, SiteKind } from '@loupe/protocol';
import { m } from '../paraglide/messages.js';

/** A kind of site, in the reader's language. */
export const SITE_KIND_NAME = {
  hospital: m.sites_kind_hospital,
  department: m.sites_kind_department,
  region: m.sites_kind_region,
  centre: m.sites_kind_centre,
} satisfies Record<SiteKind, () => string>;

/** A kind of session, in the reader's language. */
export const SESSION_KIND_NAME = {
  surgery: m.sites_session_surgery,
  ultrasound: m.sites_session_ultrasound,
} satisfies Record<SessionKind, () => string>;
