import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROTOCOLS } from './scan-protocols.ts';
import { MAX_STILL_BYTES, VerdictBody, checklist, type Verdict } from './exams.ts';
import { MAX_BODY_BYTES, isStillUpload, maxBodyBytes } from './body-limits.ts';

const efast = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!;
const still = (viewKey: string, verdict: Verdict) => ({ viewKey, verdict });

describe('the exam checklist', () => {
  it('starts at the first view, with every required view missing', () => {
    const list = checklist(efast, []);
    expect(list.current?.view.key).toBe(efast.views[0]!.key);
    expect(list.missing).toHaveLength(efast.views.filter((v) => v.required).length);
    expect(list.complete).toBe(false);
  });

  it('moves on while a still waits for its verdict, and a retake reopens the view', () => {
    const [first, second] = efast.views;
    const waiting = checklist(efast, [still(first!.key, 'pending')]);
    expect(waiting.current?.view.key).toBe(second!.key);
    expect(waiting.views[0]!.state).toBe('full');

    const retake = checklist(efast, [still(first!.key, 'retake')]);
    expect(retake.current?.view.key).toBe(first!.key);
    expect(retake.views[0]).toMatchObject({ state: 'missing', retakes: 1 });
  });

  it('is complete when every required view has its minimum accepted', () => {
    const all = efast.views.filter((v) => v.required).flatMap((v) => Array.from({ length: v.min }, () => still(v.key, 'accepted')));
    const list = checklist(efast, all);
    expect(list.complete).toBe(true);
    expect(list.missing).toEqual([]);
  });
});

describe('a verdict', () => {
  it('needs a score to accept and a reason to ask for a retake', () => {
    expect(VerdictBody.safeParse({ verdict: 'accepted' }).success).toBe(false);
    expect(VerdictBody.safeParse({ verdict: 'accepted', score: 4 }).success).toBe(true);
    expect(VerdictBody.safeParse({ verdict: 'retake' }).success).toBe(false);
    expect(VerdictBody.safeParse({ verdict: 'retake', reason: 'other' }).success).toBe(false);
    expect(VerdictBody.safeParse({ verdict: 'retake', reason: 'other', comment: 'liver tip cut off' }).success).toBe(true);
    expect(VerdictBody.safeParse({ verdict: 'accepted', score: 6 }).success).toBe(false);
  });
});

describe('still uploads', () => {
  it('take a still’s size at the paths that receive a PNG, and a JSON body’s everywhere else', () => {
    expect(maxBodyBytes('/exams/abc/stills')).toBe(MAX_STILL_BYTES);
    expect(maxBodyBytes('/sessions/abc/freeze-stills')).toBe(MAX_STILL_BYTES);
    expect(isStillUpload('/sessions/abc/freeze-stills/more')).toBe(false);
    expect(maxBodyBytes('/sessions/abc/exams')).toBe(MAX_BODY_BYTES);
  });
});
