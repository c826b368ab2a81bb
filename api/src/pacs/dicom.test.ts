/** The instance as the DICOM standard's checker (dciodvfy) and a reader of the file see it. */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { checkDicom } from '../../test/dicom-check.ts';
import { sectorPng } from '../../test/stills.ts';
import { dicomUid } from '../exams/png.ts';
import { stillToDicom, type StillInstance } from './dicom.ts';

const instance = (patient: StillInstance['patient'], institution: string | null = 'Dali County People’s Hospital'): StillInstance => ({
  examId: crypto.randomUUID(),
  studyUid: dicomUid(),
  seriesUid: dicomUid(),
  sopInstanceUid: dicomUid(),
  patient,
  examStartedAt: new Date('2026-12-06T08:00:00.000Z'),
  capturedAt: new Date('2026-12-06T08:03:12.345Z'),
  instanceNumber: 2,
  protocolName: 'eFAST (extended focused assessment with sonography for trauma)',
  viewName: 'Right upper quadrant',
  institution,
});

/** The bytes of a string attribute's value in an Explicit VR Little Endian file (2-byte length). */
function stringValue(file: Buffer, group: number, element: number): string | null {
  const tag = Buffer.from([group & 0xff, group >> 8, element & 0xff, element >> 8]);
  const at = file.indexOf(tag, 132);
  if (at === -1) return null;
  const length = file.readUInt16LE(at + 6);
  return file.subarray(at + 8, at + 8 + length).toString('utf8');
}

describe('a still as DICOM', () => {
  it('passes dciodvfy as a Secondary Capture image, with and without a patient', async () => {
    for (const patient of [{ name: 'Wang^Wei', id: 'MRN-1', birthDate: '1980-02-03', sex: 'M' as const, accessionNumber: 'A-1' }, null]) {
      const check = await checkDicom(stillToDicom(sectorPng(), instance(patient)));
      expect(check.iod).toBe('SCImage');
      expect(check.errors).toEqual([]);
      // The one warning left: Laterality is empty because a still does not say which side it shows.
      expect(check.warnings).toEqual([expect.stringMatching(/attribute <Laterality>$/)]);
    }
  });

  it('pads a frame of odd length to an even value, and keeps the frame itself exact', async () => {
    const png = new PNG({ width: 3, height: 3 });
    png.data.fill(200);
    const file = stillToDicom(PNG.sync.write(png), instance(null));
    expect((await checkDicom(file)).errors).toEqual([]);
    const pixelData = file.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42])); // (7FE0,0010) OB
    expect(file.readUInt32LE(pixelData + 8)).toBe(28);
    expect([...file.subarray(pixelData + 12, pixelData + 12 + 28)]).toEqual([...Array(27).fill(200), 0]);
  });

  it('writes names in UTF-8, says so, and cuts a long site name to the 64 bytes DICOM allows, between characters', async () => {
    const file = stillToDicom(sectorPng(), instance({ name: '王伟', id: 'MRN-2' }, `仁济医院${'东'.repeat(80)}`));
    expect(stringValue(file, 0x0008, 0x0005)?.trim()).toBe('ISO_IR 192');
    expect(stringValue(file, 0x0010, 0x0010)?.trim()).toBe('王伟');
    expect(stringValue(file, 0x0008, 0x0080)!.trim()).toBe(`仁济医院${'东'.repeat(17)}`); // 21 characters of 3 bytes
    expect((await checkDicom(file)).errors).toEqual([]);
  });

  it('keeps a view’s name whole in the image’s comments, both languages, though it is longer than 64 bytes', async () => {
    const view = 'Right upper quadrant (hepatorenal, Morison’s pouch) / 右上腹（肝肾隐窝）';
    const file = stillToDicom(sectorPng(), { ...instance(null), viewName: view });
    expect(stringValue(file, 0x0020, 0x4000)?.trim()).toBe(view);
    expect((await checkDicom(file)).errors).toEqual([]);
  });

  it('refuses what is not a PNG, saying so', () => {
    expect(() => stillToDicom(Buffer.from('GIF89a'), instance(null))).toThrow(/^the still is not a readable PNG/);
  });
});
