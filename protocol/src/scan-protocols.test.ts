import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROTOCOLS, ScanProtocol } from './scan-protocols.ts';

describe('the built-in scan protocols', () => {
  it('are valid protocols with their published view lists', () => {
    for (const p of BUILT_IN_PROTOCOLS) expect(ScanProtocol.safeParse(p).success, p.key).toBe(true);
    const keys = (key: string) => BUILT_IN_PROTOCOLS.find((p) => p.key === key)!.views.map((v) => v.key);
    expect(keys('efast')).toEqual(['ruq', 'luq', 'pelvis', 'subxiphoid', 'right_thorax', 'left_thorax']);
    expect(keys('focused_cardiac')).toEqual(['plax', 'psax', 'a4c', 'subcostal', 'ivc']);
    expect(keys('ob_biometry')).toEqual(['head', 'abdomen', 'femur']);
    expect(keys('abdomen')).toEqual(expect.arrayContaining(['liver_left', 'gallbladder_long', 'pancreas', 'kidney_right', 'kidney_left', 'spleen']));
    expect(keys('thyroid')).toEqual(expect.arrayContaining(['right_transverse', 'isthmus', 'left_long']));
    expect(new Set(BUILT_IN_PROTOCOLS.map((p) => p.key)).size).toBe(BUILT_IN_PROTOCOLS.length);
  });

  it('name every view and what it must show in English and Chinese, and cite their source', () => {
    for (const p of BUILT_IN_PROTOCOLS) {
      expect(p.source.length).toBeGreaterThan(20);
      for (const v of p.views) {
        expect(v.name.zh).toMatch(/[\u4e00-\u9fff]/);
        expect(v.acceptance.zh).toMatch(/[\u4e00-\u9fff]/);
        expect(v.acceptance.en.length).toBeGreaterThan(10);
      }
    }
  });
});

describe('a scan protocol', () => {
  const base = BUILT_IN_PROTOCOLS[0]!;
  it('refuses a view asking for more than it allows, a required view with none, or two views with one key', () => {
    const first = base.views[0]!;
    expect(ScanProtocol.safeParse({ ...base, views: [{ ...first, min: 3, max: 2 }] }).success).toBe(false);
    expect(ScanProtocol.safeParse({ ...base, views: [{ ...first, required: true, min: 0 }] }).success).toBe(false);
    expect(ScanProtocol.safeParse({ ...base, views: [first, first] }).success).toBe(false);
    expect(ScanProtocol.safeParse({ ...base, views: [] }).success).toBe(false);
  });
});
