/**
 * An accepted still as a DICOM instance for the site's PACS.
 *
 * The IOD is Secondary Capture Image Storage (PS3.3 A.8.1), single frame. A still is a screen
 * capture of the scanner's picture, not an acquisition: Loupe has none of the Ultrasound Image
 * IOD's acquisition data (transducer, regions, calibration) and must not pretend to. Plain SC
 * rather than Multi-frame True Color SC because every PACS and viewer takes it, and one still
 * is one frame. Conversion type WSD (workstation). Modality US, the modality of the picture
 * captured, as ultrasound systems label their own secondary captures: a PACS's ultrasound
 * worklists and hanging protocols then find it (dciodvfy accepts US and OT alike here).
 *
 * Pixels go uncompressed in Explicit VR Little Endian, so the PACS holds the PNG's colour values
 * byte for byte (alpha dropped; a capture is opaque).
 */
import { PNG } from 'pngjs';
import dcmjs from 'dcmjs';
import type { ExamPatient } from '@loupe/protocol';

export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Loupe's implementation class: a 2.25 UID (ITU-T X.667) of the fixed UUID a6222939-ee17-4c2e-9b95-f5ac6f4104a8. */
export const IMPLEMENTATION_CLASS_UID = '2.25.220829221561970829463901958830588757160';
const IMPLEMENTATION_VERSION = 'LOUPE_1';

/** What goes into one instance besides the pixels. */
export type StillInstance = {
  examId: string;
  studyUid: string;
  seriesUid: string;
  sopInstanceUid: string;
  /** Null when the exam is de-identified for teaching: no patient identifiers at all. */
  patient: ExamPatient | null;
  examStartedAt: Date;
  capturedAt: Date;
  /** Its place among the exam's stills, from 1. */
  instanceNumber: number;
  /** The protocol's name (the series: one per exam) and the view's (this image, in either language). */
  protocolName: string;
  viewName: string;
  /** The site's name, if the exam has a site. */
  institution: string | null;
};

/** RGB pixels of a PNG, alpha dropped: what the instance carries and what a test compares with. */
export function pngToRgb(png: Uint8Array): { width: number; height: number; rgb: Buffer } {
  let image: PNG;
  try {
    image = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  } catch (err) {
    throw new Error(`the still is not a readable PNG: ${(err as Error).message}`, { cause: err });
  }
  const { width, height, data } = image; // always 8-bit RGBA, whatever the PNG's own format
  const rgb = Buffer.alloc(width * height * 3);
  for (let p = 0, q = 0; p < data.length; p += 4, q += 3) {
    rgb[q] = data[p]!;
    rgb[q + 1] = data[p + 1]!;
    rgb[q + 2] = data[p + 2]!;
  }
  return { width, height, rgb };
}

/** The still's PNG as a DICOM Part 10 file (Secondary Capture, Explicit VR Little Endian). */
export function stillToDicom(png: Uint8Array, s: StillInstance): Buffer {
  const { width, height, rgb } = pngToRgb(png);
  // Values of odd length are padded to even (PS3.5 7.1.1); the frame itself stays width × height × 3.
  const pixels = rgb.length % 2 === 0 ? rgb : Buffer.concat([rgb, Buffer.alloc(1)]);
  const dataset = {
    SpecificCharacterSet: 'ISO_IR 192', // dcmjs writes strings as UTF-8; names may be Chinese
    ImageType: ['DERIVED', 'SECONDARY'],
    SOPClassUID: SECONDARY_CAPTURE,
    SOPInstanceUID: s.sopInstanceUid,
    StudyDate: dicomDate(s.examStartedAt),
    StudyTime: dicomTime(s.examStartedAt),
    ContentDate: dicomDate(s.capturedAt),
    ContentTime: dicomTime(s.capturedAt),
    // Dates and times above are UTC; saying so spares the PACS a guess at the site's time zone.
    TimezoneOffsetFromUTC: '+0000',
    AccessionNumber: s.patient?.accessionNumber ?? '',
    Modality: 'US',
    ConversionType: 'WSD',
    Manufacturer: 'Loupe',
    ...(s.institution ? { InstitutionName: lo(s.institution) } : {}),
    ReferringPhysicianName: '',
    StudyDescription: lo(s.protocolName),
    SeriesDescription: lo(s.protocolName),
    ...patientFields(s.patient, s.examId),
    StudyInstanceUID: s.studyUid,
    SeriesInstanceUID: s.seriesUid,
    StudyID: studyId(s.examId),
    SeriesNumber: '1',
    Laterality: '', // the still does not say which side; SC's General Series asks for the attribute
    InstanceNumber: String(s.instanceNumber),
    PatientOrientation: '',
    ImageComments: lt(s.viewName),
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: height,
    Columns: width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)],
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SECONDARY_CAPTURE,
    MediaStorageSOPInstanceUID: s.sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION,
  };
  const file = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  file.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(file.write());
}

/**
 * The Patient module. A de-identified exam keeps its (empty, type 2) attributes and says why
 * they are empty (PS3.15 E.1.1): nothing identifying was ever recorded, so there was nothing to remove.
 */
function patientFields(p: ExamPatient | null, examId: string): Record<string, string> {
  if (!p) {
    return {
      PatientName: '',
      // A pseudonym per exam: with an empty ID, a PACS files every teaching exam under one "patient".
      PatientID: `LOUPE-${studyId(examId)}`,
      PatientBirthDate: '',
      PatientSex: '',
      PatientIdentityRemoved: 'YES',
      DeidentificationMethod: 'Loupe teaching exam: no patient identifiers recorded',
    };
  }
  return {
    PatientName: lo(p.name),
    PatientID: lo(p.id),
    PatientBirthDate: p.birthDate ? p.birthDate.replaceAll('-', '') : '',
    PatientSex: p.sex ?? '',
  };
}

/**
 * A value for a 64-character string attribute (LO, and PN's component group): at most 64 bytes
 * of UTF-8, whole characters (dciodvfy and many PACS count bytes). dcmjs would cut it silently
 * and mid-character; a backslash would split it into several values.
 */
function lo(text: string): string {
  return wholeCharacters(text.replaceAll('\\', '/'), 64);
}

/** A value for a long text attribute (LT, 10 240 characters; one value, a backslash is text). */
function lt(text: string): string {
  return wholeCharacters(text, 10_240);
}

function wholeCharacters(text: string, maxBytes: number): string {
  let [out, bytes] = ['', 0];
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > maxBytes) break;
    out += ch;
  }
  return out;
}

/** Study ID (SH, 16 characters) for people: the start of the exam's id. */
function studyId(examId: string): string {
  return examId.replaceAll('-', '').slice(0, 16);
}

function dicomDate(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

function dicomTime(d: Date): string {
  const iso = d.toISOString(); // 2026-12-06T18:46:55.123Z
  return `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}.${iso.slice(20, 23)}`;
}
