import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROTOCOLS, ProtocolBody } from '@loupe/protocol';
import { bodyOf, draftOf, draftView, invalidPaths, keyFrom, repeatedKeys } from './draft.ts';

describe('a protocol draft', () => {
  it('makes keys from English names that the schemas accept', () => {
    expect(keyFrom("Right upper quadrant (Morison's pouch)")).toBe('right_upper_quadrant_morison_s_pouch');
    expect(keyFrom('  --Pelvis--  ')).toBe('pelvis');
    expect(keyFrom('颈动脉')).toBe('');
    const long = keyFrom('a '.repeat(40));
    expect(long.length).toBeLessThanOrEqual(48);
    expect(long.endsWith('_')).toBe(false);
  });

  it('sends a built-in protocol back unchanged, its view keys kept', () => {
    const efast = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!;
    const draft = draftOf(efast);
    expect(draft.views.every((v) => v.carried && !v.keyFollowsName)).toBe(true);
    const { key, examType, name, source, views } = efast;
    expect(ProtocolBody.parse(bodyOf(draft))).toEqual({ key, examType, name, source, views });
  });

  it('names the fields a new, empty view leaves wrong, and repeated keys', () => {
    const draft = draftOf();
    draft.views.push(draftView());
    const parsed = ProtocolBody.safeParse(bodyOf(draft));
    expect(parsed.success).toBe(false);
    const paths = invalidPaths(parsed.error!);
    for (const path of ['key', 'name.en', 'name.zh', 'source', 'views.0.key', 'views.1.acceptance.zh']) expect(paths, path).toContain(path);
    expect(repeatedKeys([{ key: 'a' }, { key: 'b' }, { key: 'a' }])).toEqual(new Set(['a']));
  });

  it('says a required view with no image is wrong at its minimum', () => {
    const draft = draftOf(BUILT_IN_PROTOCOLS[0]);
    draft.views[0]!.required = true;
    draft.views[0]!.min = 0;
    const parsed = ProtocolBody.safeParse(bodyOf(draft));
    expect(invalidPaths(parsed.error!)).toEqual(new Set(['views.0.min']));
  });
});
