import { describe, expect, it } from 'vitest';
import { DicomwebUrl } from './sites.ts';

describe('a PACS address', () => {
  it('refuses link-local and cloud metadata addresses however they are written', () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://2852039166/dicom-web',
      'http://0xa9fea9fe/dicom-web',
      'http://169.254.10.1:8042/dicom-web',
      'http://[fe80::1]:8042/dicom-web',
      'http://[::ffff:169.254.169.254]/',
      'http://[fd00:ec2::254]/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://METADATA.google.internal./',
      'http://100.100.100.200/latest/meta-data/',
      'http://0.0.0.0:8042/dicom-web',
    ]) {
      const parsed = DicomwebUrl.safeParse(url);
      expect(parsed.success, url).toBe(false);
      expect(parsed.error?.issues[0]?.message, url).toMatch(/link-local or cloud metadata/);
    }
  });

  it('takes a hospital network’s PACS, loopback included', () => {
    for (const url of ['http://127.0.0.1:8042/dicom-web', 'https://pacs.hengshan.test/dicom-web', 'http://10.20.0.5:8042/dicom-web', 'http://[fd12::5]:8042/'])
      expect(DicomwebUrl.safeParse(url).success, url).toBe(true);
  });
});
