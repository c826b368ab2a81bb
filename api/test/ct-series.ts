/**
 * A small CT series made for the prior-imaging tests: `slices` axial images of `size`×`size`,
 * 16-bit signed, in Hounsfield units through Rescale Slope 1 / Intercept -1024, one patient.
 * Each slice is a known pattern a test can check after the PACS renders it:
 * - the left half is soft tissue (HU 40), the right half lung (HU -700);
 * - a bone square (HU 1000) sits in the top-left quarter;
 * - the number of the slice (1…n) is written as `n` white bars (HU 3000) across the bottom rows,
 *   so a rendered frame says which slice it is.
 */
// The api declares the part of dcmjs it uses; the web tests that import this file see it through here.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../src/pacs/dcmjs.d.ts" />
import dcmjs from 'dcmjs';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLEMENTATION_CLASS_UID } from '../src/pacs/dicom.ts';
import { dicomUid } from '../src/exams/png.ts';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const CT_HU = { soft: 40, lung: -700, bone: 1000, marker: 3000 } as const;
const INTERCEPT = -1024;

export type CtSeries = { patientId: string; studyUid: string; seriesUid: string; sopUids: string[]; files: Buffer[]; size: number };

/** Where slice `n`'s bars are: bar `k` (0-based) covers columns [barStart(k), barStart(k) + 2). */
export const barColumn = (k: number) => 2 + k * 4;
/** The rows the bars cover: the bottom eighth. */
export const barRows = (size: number) => [size - Math.floor(size / 8), size - 1] as const;

export function ctSeries({
  patientId,
  slices = 10,
  size = 64,
  studyDate = '20260115',
}: {
  patientId: string;
  slices?: number;
  size?: number;
  studyDate?: string;
}): CtSeries {
  const studyUid = dicomUid();
  const seriesUid = dicomUid();
  const sopUids: string[] = [];
  const files: Buffer[] = [];
  for (let n = 1; n <= slices; n++) {
    const sopUid = dicomUid();
    sopUids.push(sopUid);
    files.push(slice({ patientId, studyUid, seriesUid, sopUid, n, size, studyDate }));
  }
  return { patientId, studyUid, seriesUid, sopUids, files, size };
}

/** The HU value the test pattern has at (x, y) of slice `n`. */
export function huAt(n: number, x: number, y: number, size: number): number {
  const [top, bottom] = barRows(size);
  if (y >= top && y <= bottom) for (let k = 0; k < n; k++) if (x >= barColumn(k) && x < barColumn(k) + 2) return CT_HU.marker;
  if (x >= size / 8 && x < size / 4 + size / 8 && y >= size / 8 && y < size / 4 + size / 8) return CT_HU.bone;
  return x < size / 2 ? CT_HU.soft : CT_HU.lung;
}

function slice(s: { patientId: string; studyUid: string; seriesUid: string; sopUid: string; n: number; size: number; studyDate: string }): Buffer {
  const pixels = new Int16Array(s.size * s.size);
  for (let y = 0; y < s.size; y++) for (let x = 0; x < s.size; x++) pixels[y * s.size + x] = huAt(s.n, x, y, s.size) - INTERCEPT;
  const dataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    SOPClassUID: CT_IMAGE_STORAGE,
    SOPInstanceUID: s.sopUid,
    StudyDate: s.studyDate,
    StudyTime: '101500',
    Modality: 'CT',
    StudyDescription: 'CT abdomen',
    SeriesDescription: 'Axial 5 mm',
    PatientName: 'Test^Prior',
    PatientID: s.patientId,
    PatientBirthDate: '19700101',
    PatientSex: 'F',
    StudyInstanceUID: s.studyUid,
    SeriesInstanceUID: s.seriesUid,
    StudyID: '1',
    SeriesNumber: '2',
    InstanceNumber: String(s.n),
    ImagePositionPatient: [0, 0, -5 * s.n],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    SliceThickness: 5,
    PixelSpacing: [1, 1],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: s.size,
    Columns: s.size,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 0,
    RescaleIntercept: INTERCEPT,
    RescaleSlope: 1,
    RescaleType: 'HU',
    // The scanner's default: soft tissue.
    WindowCenter: 40,
    WindowWidth: 400,
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OW' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: CT_IMAGE_STORAGE,
    MediaStorageSOPInstanceUID: s.sopUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
  };
  const file = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  file.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(file.write());
}
