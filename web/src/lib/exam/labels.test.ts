import { describe, expect, it } from 'vitest';
import { inLocale } from '../i18n/in-locale.ts';
import { stillStatus } from './labels.ts';

describe('a still’s status', () => {
  it('puts a spaced dot between the verdict and the PACS state, in both languages', () => {
    expect(inLocale('en', () => stillStatus({ verdict: 'accepted', pacs: { state: 'sent' } as never }))).toBe('Accepted · PACS: sent');
    expect(inLocale('en', () => stillStatus({ verdict: 'retake', pacs: { state: 'none' } as never }))).toMatch(/^\S.* · Not for PACS$/);
    expect(inLocale('zh', () => stillStatus({ verdict: 'accepted', pacs: { state: 'queued' } as never }))).toMatch(/^\S+ · \S/);
  });

  it('says nothing of the PACS while the still waits for its verdict', () => {
    expect(inLocale('en', () => stillStatus({ verdict: 'pending', pacs: { state: 'none' } as never }))).not.toMatch(/PACS|·/);
  });
});
