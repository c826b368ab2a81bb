/**
 * Hospitals and centres. Every account may belong to a site; a session says which site scans
 * (its patients' pictures) and which centre reviews. Statistics, the library and the audit log
 * filter by site, and a site's patient images are seen only by the members of their session,
 * or by everyone once their case is published (api/src/sites/).
 */
import { z } from 'zod';

/** A hospital, one of its departments, a region grouping hospitals, or an expert (QC) centre. */
export const SITE_KINDS = ['hospital', 'department', 'region', 'centre'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

const SiteName = z.string().trim().min(1, 'Name is required').max(200);

/**
 * The site's PACS, where accepted stills go over DICOMweb STOW-RS. Its base URL (Orthanc's is
 * `http://host:8042/dicom-web`); credentials, if any, come from the api's environment, never from here.
 */
export const DicomwebUrl = z
  .url({ protocol: /^https?$/, message: 'Enter the http(s) base URL of the PACS DICOMweb service' })
  .max(500)
  .refine((url) => !URL.canParse(url) || !isMetadataHost(new URL(url).hostname), {
    message: 'A PACS cannot be at a link-local or cloud metadata address (169.254.0.0/16, fe80::/10, metadata.google.internal…): enter the PACS’s own address',
  });

/**
 * Addresses the api must never send patient images to, nor let an admin probe through the PACS
 * sender: link-local (where clouds answer with their instance credentials, 169.254.169.254) and
 * the metadata services' other names. `hostname` is as WHATWG URL gives it, so an IPv4 address
 * written in decimal or hex is already dotted (`http://2852039166/` → 169.254.169.254).
 * Loopback and private ranges stay allowed: a hospital's PACS is on its own network.
 */
export function isMetadataHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (/^169\.254\./.test(host) || host === '100.100.100.200' || host === '0.0.0.0') return true;
  if (host === '::' || /^fe[89ab][0-9a-f]?:/.test(host) || host === 'fd00:ec2::254') return true;
  // IPv4 inside IPv6 (::ffff:a9fe:a9fe is 169.254.169.254).
  if (/^::ffff:a9fe:/.test(host) || /^::ffff:169\.254\./.test(host)) return true;
  return METADATA_NAMES.has(host);
}

const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

export const Site = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(SITE_KINDS),
    /** The region or hospital this site belongs to. */
    parentId: z.uuid().nullable(),
    /** Shown to admins only: null for everyone else, whether the site has a PACS or not. */
    dicomwebUrl: z.string().nullable(),
  })
  .meta({ id: 'Site' });
export type Site = z.infer<typeof Site>;

export const SiteBody = z
  .object({ name: SiteName, kind: z.enum(SITE_KINDS), parentId: z.uuid().nullable().default(null), dicomwebUrl: DicomwebUrl.nullable().default(null) })
  .meta({ id: 'SiteBody' });
export type SiteBody = z.infer<typeof SiteBody>;

/** What a PATCH changes: any of a site's fields; a field left out stays as it is. */
export const SiteEdit = z
  .object({ name: SiteName, kind: z.enum(SITE_KINDS), parentId: z.uuid().nullable(), dicomwebUrl: DicomwebUrl.nullable() })
  .partial()
  .meta({ id: 'SiteEdit' });
export type SiteEdit = z.infer<typeof SiteEdit>;

export const SiteList = z.object({ sites: z.array(Site) }).meta({ id: 'SiteList' });
export type SiteList = z.infer<typeof SiteList>;
