/**
 * The patient of a live session as the bedside systems know them: the banner an HL7 v2 ADT
 * (A01 admit, A08 update) gives, and the prior imaging the site's PACS holds under their MRN.
 * Both are for the session's members only, and never part of a case (api/src/patient/).
 *
 * Which session an ADT is for: the one whose bound monitor is that bed. PV1-3 of the ADT, as
 * sent (`OR3^^1`), equals the session's monitor id (DeviceId in vitals.ts), as the bed's ORU^R01
 * does: the patient in the bed is the patient on its monitor.
 */
import { z } from 'zod';

export const PATIENT_VERSION = 1;

/** HL7 table 0001 (administrative sex), as PID-8 sends it. */
export const PATIENT_SEXES = ['F', 'M', 'O', 'U', 'A', 'N'] as const;

export const PatientBanner = z
  .object({
    /** "FAMILY, Given" as read from PID-5. */
    name: z.string(),
    sex: z.enum(PATIENT_SEXES).nullable(),
    /** PID-7, `YYYY-MM-DD` (or shorter when the sender sends less). */
    birthDate: z.string().nullable(),
    /** Whole years at the time of the request; null without a birth date. */
    ageYears: z.number().int().nonnegative().nullable(),
    /** PID-3's medical record number: the PatientID prior studies are looked up by. */
    mrn: z.string(),
    /** AL1-3 of each allergy, with AL1-4's severity code when sent ("Penicillin (SV)"). An empty list: none recorded. */
    allergies: z.array(z.string()),
    /** When the ADT was taken (ISO time). */
    updatedAt: z.string(),
  })
  .meta({ id: 'PatientBanner' });
export type PatientBanner = z.infer<typeof PatientBanner>;

/** GET /sessions/{id}/patient: null until an ADT for the session's bed arrives. */
export const SessionPatient = z.object({ banner: PatientBanner.nullable() }).meta({ id: 'SessionPatient' });
export type SessionPatient = z.infer<typeof SessionPatient>;

/**
 * Sent by the api on TOPICS.patient when the banner changes. It carries no patient data: a page
 * fetches the banner through the api's member check, and a recorder that keeps the room's
 * packets keeps nothing of the patient.
 */
export const PatientNotice = z.object({ v: z.literal(PATIENT_VERSION), changed: z.literal('banner') });
export type PatientNotice = z.infer<typeof PatientNotice>;

/** A DICOM UID (PS3.5 9.1): digits and dots, at most 64. Checked before it goes into a PACS URL. */
export const DicomUid = z
  .string()
  .max(64)
  .regex(/^[0-9]+(\.[0-9]+)*$/, 'a DICOM UID: digits and dots');

export const PriorStudy = z
  .object({
    studyUid: DicomUid,
    /** StudyDate as `YYYY-MM-DD`, null when the PACS has none. */
    date: z.string().nullable(),
    description: z.string(),
    modalities: z.array(z.string()),
    seriesCount: z.number().int().nullable(),
    imageCount: z.number().int().nullable(),
  })
  .meta({ id: 'PriorStudy' });
export type PriorStudy = z.infer<typeof PriorStudy>;

export const PriorSeries = z
  .object({
    seriesUid: DicomUid,
    number: z.number().int().nullable(),
    modality: z.string(),
    description: z.string(),
    imageCount: z.number().int().nullable(),
  })
  .meta({ id: 'PriorSeries' });
export type PriorSeries = z.infer<typeof PriorSeries>;

/** The studies of the session's patient on the session site's PACS, newest first. */
export const PriorStudies = z.object({ mrn: z.string(), studies: z.array(PriorStudy) }).meta({ id: 'PriorStudies' });
export type PriorStudies = z.infer<typeof PriorStudies>;

export const PriorSeriesList = z.object({ series: z.array(PriorSeries) }).meta({ id: 'PriorSeriesList' });
export type PriorSeriesList = z.infer<typeof PriorSeriesList>;

/** A series' images in slice order (InstanceNumber): the viewer scrolls through them. */
export const PriorInstances = z
  .object({ instances: z.array(z.object({ sopUid: DicomUid, number: z.number().int().nullable() })) })
  .meta({ id: 'PriorInstances' });
export type PriorInstances = z.infer<typeof PriorInstances>;

/**
 * Window presets for CT, centre and width in HU (the usual radiology values). `default` is the
 * image's own window, as the PACS renders it without one.
 */
export const WINDOW_PRESETS = {
  default: null,
  soft: { center: 40, width: 400 },
  lung: { center: -600, width: 1500 },
  bone: { center: 400, width: 1800 },
  brain: { center: 40, width: 80 },
} as const;
export type WindowPreset = keyof typeof WINDOW_PRESETS;
export const WINDOW_PRESET_NAMES = Object.keys(WINDOW_PRESETS) as WindowPreset[];

export const RenderedQuery = z.object({ window: z.enum(WINDOW_PRESET_NAMES as [WindowPreset, ...WindowPreset[]]).default('default') });

/** How long the api waits for the PACS per request before telling the viewer it is not answering. */
export const PRIORS_TIMEOUT_MS = 8_000;
