import { describe, expect, it } from 'vitest';
import { inLocale } from '../i18n/in-locale.ts';
import type { Locale } from '../paraglide/runtime.js';
import { ApiFailure, unwrap } from './client.ts';
import { failureMessage } from './failure-message.ts';

const toldIn = (locale: Locale, err: unknown) => inLocale(locale, () => failureMessage(err));

async function failureOf(res: Response): Promise<ApiFailure> {
  return unwrap(Promise.resolve(res)).then(
    () => expect.unreachable(),
    (err: ApiFailure) => err,
  );
}

const tooMany = (seconds: string) =>
  Response.json(
    { error: { code: 'rate_limited', message: 'Too many searches; try again in 2 seconds' } },
    { status: 429, headers: { 'retry-after': seconds } },
  );

describe('a 429 from the api', () => {
  it('keeps the Retry-After and tells the person how long to wait, in their language', async () => {
    const err = await failureOf(tooMany('30'));
    expect(err).toMatchObject({ code: 'rate_limited', status: 429, retryAfter: 30 });
    expect(toldIn('en', err)).toBe('Too many requests in a short time. Try again in 30 seconds.');
    expect(toldIn('zh', err)).toBe('短时间内请求过多。请30秒钟后再试。');
    expect(toldIn('en', await failureOf(tooMany('900')))).toBe('Too many requests in a short time. Try again in 15 minutes.');
  });
});

describe('a 409 from the api', () => {
  const conflict = (reason?: string) =>
    Response.json({ error: { code: 'conflict', message: 'This session is already being recorded', ...(reason ? { reason } : {}) } }, { status: 409 });

  it('is said in a clinician’s words in their language, never in the api’s own', async () => {
    const err = await failureOf(conflict('already_recording'));
    expect(err.reason).toBe('already_recording');
    expect(toldIn('en', err)).toBe('This session is already being recorded. Use Pause or Stop to control it.');
    expect(toldIn('zh', err)).toBe('本次会话已在录制中。请使用“暂停”或“停止”控制录制。');
    expect(toldIn('en', await failureOf(conflict()))).not.toMatch(/already being recorded|current state/);
  });
});
