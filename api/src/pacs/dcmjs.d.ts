/** The part of dcmjs (no types of its own) that pacs/dicom.ts uses: writing a Part 10 file. */
declare module 'dcmjs' {
  /** A dataset by tag, with each element's VR, as written to the file. */
  type TaggedDataset = Record<string, { vr: string; Value: unknown[] }>;

  interface DicomDict {
    dict: TaggedDataset;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }

  const dcmjs: {
    data: {
      DicomDict: new (meta: TaggedDataset) => DicomDict;
      DicomMetaDictionary: {
        /** From a dataset by attribute keyword (`PatientName`), as dcmjs calls it "natural"; `_vrMap` picks a VR. */
        denaturalizeDataset(dataset: Record<string, unknown>): TaggedDataset;
      };
    };
  };
  export default dcmjs;
}
