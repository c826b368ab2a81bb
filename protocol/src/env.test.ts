import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { configOrExit, envFlag, envInteger, envNumber, parseEnv, S3_ENV_KEYS, s3Settings, SharedEnv } from './env.ts';

const Env = SharedEnv.pick({ LIVEKIT_URL: true, LIVEKIT_API_SECRET: true, LOUPE_API_PORT: true }).extend({
  IDLE_MINUTES: envNumber(0.05, 1440).default(15),
  SEED: envFlag.default(true),
});
const secret = 's'.repeat(32);

function problems(env: Record<string, string | undefined>): string[] {
  try {
    parseEnv(Env, env);
  } catch (err) {
    return (err as Error).message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  throw new Error('parsed');
}

describe('parseEnv', () => {
  it('gives the defaults for what is unset or empty, typed', () => {
    const env = parseEnv(Env, { LIVEKIT_API_SECRET: secret, LOUPE_API_PORT: '', UNRELATED: 'x' });
    expect(env).toEqual({ LIVEKIT_URL: 'http://127.0.0.1:7880', LIVEKIT_API_SECRET: secret, LOUPE_API_PORT: 8787, IDLE_MINUTES: 15, SEED: true });
  });

  it('reads numbers, fractions and flags from their text', () => {
    const env = parseEnv(Env, { LIVEKIT_API_SECRET: secret, LOUPE_API_PORT: '9000', IDLE_MINUTES: '0.5', SEED: '0' });
    expect(env).toMatchObject({ LOUPE_API_PORT: 9000, IDLE_MINUTES: 0.5, SEED: false });
  });

  it('names a bad number and what it got', () => {
    expect(problems({ LIVEKIT_API_SECRET: secret, IDLE_MINUTES: 'abc' })).toEqual(['IDLE_MINUTES: expected a number from 0.05 to 1440, got "abc"']);
    expect(problems({ LIVEKIT_API_SECRET: secret, LOUPE_API_PORT: '80.5' })).toEqual(['LOUPE_API_PORT: expected a whole number from 1 to 65535, got "80.5"']);
    expect(problems({ LIVEKIT_API_SECRET: secret, LOUPE_API_PORT: '70000' })).toEqual(['LOUPE_API_PORT: expected a whole number from 1 to 65535, got "70000"']);
  });

  it('names a bad URL, a wrong scheme included', () => {
    for (const url of ['localhost:7880', 'ftp://127.0.0.1:7880']) {
      expect(problems({ LIVEKIT_API_SECRET: secret, LIVEKIT_URL: url })).toEqual([
        `LIVEKIT_URL: expected a URL starting with http:// or https:// or ws:// or wss://, got ${JSON.stringify(url)}`,
      ]);
    }
  });

  it('names a missing required variable, and every bad one at once', () => {
    expect(problems({ SEED: 'yes', LOUPE_API_PORT: 'x' })).toEqual([
      'LIVEKIT_API_SECRET: required, not set',
      'LOUPE_API_PORT: expected a whole number from 1 to 65535, got "x"',
      'SEED: expected true or false, got "yes"',
    ]);
  });

  it('never quotes a secret back', () => {
    const [problem] = problems({ LIVEKIT_API_SECRET: 'hunter2' });
    expect(problem).toBe('LIVEKIT_API_SECRET: expected at least 32 characters');
  });

  it('names the variable for a bad item in a list, once', () => {
    const List = z.object({ SIZES: z.preprocess((v) => (typeof v === 'string' ? v.split(',') : v), z.array(envInteger(1, 9))) });
    expect(parseEnv(List, { SIZES: '1,2' })).toEqual({ SIZES: [1, 2] });
    expect(() => parseEnv(List, { SIZES: 'x,0' })).toThrow(/^invalid configuration:\n {2}SIZES: expected a whole number from 1 to 9, got "x,0"$/);
  });

  it('works on any schema, a refinement across variables included', () => {
    const Range = z.object({ LOW: envInteger(0, 10), HIGH: envInteger(0, 10) }).refine((e) => e.LOW <= e.HIGH, {
      path: ['HIGH'],
      message: 'must not be below LOW',
    });
    expect(parseEnv(Range, { LOW: '2', HIGH: '3' })).toEqual({ LOW: 2, HIGH: 3 });
    expect(() => parseEnv(Range, { LOW: '5', HIGH: '3' })).toThrow('HIGH: must not be below LOW, got "3"');
  });
});

describe('the media bucket (LOUPE_S3_*)', () => {
  const S3Env = SharedEnv.pick(S3_ENV_KEYS);
  const bucket = (env: Record<string, string>) => s3Settings(parseEnv(S3Env, env));

  it('is off unless a bucket is named', () => {
    expect(bucket({})).toBeNull();
    expect(() => bucket({ LOUPE_S3_ENDPOINT: 'http://127.0.0.1:7070' })).toThrow('LOUPE_S3_BUCKET: required with LOUPE_S3_ENDPOINT, not set');
  });

  it('needs its keys, and never quotes them back', () => {
    expect(() => bucket({ LOUPE_S3_BUCKET: 'loupe-media' })).toThrow(/LOUPE_S3_ACCESS_KEY: required[^]*LOUPE_S3_SECRET: required/);
    expect(() => bucket({ LOUPE_S3_BUCKET: 'loupe-media', LOUPE_S3_ACCESS_KEY: 'ak', LOUPE_S3_SECRET: 'tiny' })).toThrow(
      /^(?![^]*tiny)[^]*LOUPE_S3_SECRET: expected at least 8/,
    );
  });

  it('addresses a bucket by path on a server of its own, by host on AWS', () => {
    const keys = { LOUPE_S3_BUCKET: 'loupe-media', LOUPE_S3_ACCESS_KEY: 'access', LOUPE_S3_SECRET: 'secret-key' };
    expect(bucket({ ...keys, LOUPE_S3_ENDPOINT: 'http://127.0.0.1:7070' })).toMatchObject({
      endpoint: 'http://127.0.0.1:7070',
      pathStyle: true,
      region: 'us-east-1',
    });
    expect(bucket({ ...keys, LOUPE_S3_REGION: 'eu-west-1' })).toMatchObject({ endpoint: undefined, pathStyle: false, region: 'eu-west-1' });
  });
});

describe('configOrExit, for an entry point', () => {
  const exited = new Error('exited');
  const entry = (env: Record<string, string>) => ({
    env,
    exit: vi.fn((code: number): never => {
      throw Object.assign(exited, { code });
    }),
  });
  const parse = (env: Readonly<Record<string, string | undefined>>) => parseEnv(Env, env);

  it('gives the parsed configuration and does not exit', () => {
    const proc = entry({ LIVEKIT_API_SECRET: secret, LOUPE_API_PORT: '9000' });
    expect(configOrExit('api', parse, proc).LOUPE_API_PORT).toBe(9000);
    expect(proc.exit).not.toHaveBeenCalled();
  });

  it('stops with code 1 and a message naming the service and the variable', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const proc = entry({ LIVEKIT_API_SECRET: secret, LOUPE_API_PORT: 'eighty' });
    try {
      expect(() => configOrExit('recorder', parse, proc)).toThrow(exited);
      expect(proc.exit).toHaveBeenCalledWith(1);
      expect(errors).toHaveBeenCalledWith(
        expect.stringMatching(/^recorder: invalid configuration:\n {2}LOUPE_API_PORT: expected a whole number from 1 to 65535, got "eighty"/),
      );
    } finally {
      errors.mockRestore();
    }
  });
});
