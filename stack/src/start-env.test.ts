import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './paths.ts';
import { parseStartConfig } from './start-env.ts';

describe('make start’s environment', () => {
  it('derives what it hands the services from the data folder, hosts and ports', () => {
    const config = parseStartConfig({ LOUPE_DATA_DIR: 'var', LOUPE_API_PORT: '9000', LOUPE_WEB_HOST: '10.0.0.5', LIVEKIT_PORT: '7990' });
    expect(config).toMatchObject({
      dataDir: join(ROOT, 'var'),
      seedDemo: true,
      api: { host: '127.0.0.1', port: 9000, url: 'http://127.0.0.1:9000' },
      web: { host: '10.0.0.5', port: 3000, publicUrl: 'http://10.0.0.5:3000' },
      livekit: { port: 7990, url: 'http://127.0.0.1:7990', publicUrl: 'ws://127.0.0.1:7990' },
      dbUrl: `file:${join(ROOT, 'var', 'loupe.db')}`,
      mediaDir: join(ROOT, 'var', 'media'),
      auditAnchorFile: join(ROOT, 'var', 'audit-anchor.jsonl'),
      secrets: { apiKey: undefined, apiSecret: undefined, recorderToken: undefined },
    });
  });

  it('keeps what is set, and an empty value is the default, as .env.example says', () => {
    const config = parseStartConfig({ LOUPE_API_URL: 'https://api.loupe.example', LOUPE_MEDIA_DIR: '', LOUPE_SEED_DEMO: 'false' });
    expect(config.api.url).toBe('https://api.loupe.example');
    expect(config.mediaDir).toBe(join(ROOT, 'data', 'media'));
    expect(config.seedDemo).toBe(false);
  });

  it('takes a cluster’s Redis and livekit-server nodes, and refuses what is not one', () => {
    const config = parseStartConfig({ LOUPE_REDIS_URL: 'redis://10.0.0.9:6379', LOUPE_LIVEKIT_URLS: 'wss://lk1.example, wss://lk2.example/' });
    expect(config).toMatchObject({ redisUrl: 'redis://10.0.0.9:6379', livekitUrls: ['wss://lk1.example', 'wss://lk2.example'] });
    expect(() => parseStartConfig({ LOUPE_REDIS_URL: 'http://10.0.0.9:6379' })).toThrow(
      'LOUPE_REDIS_URL: expected a URL starting with redis:// or rediss://, got "http://10.0.0.9:6379"',
    );
    expect(() => parseStartConfig({ LOUPE_LIVEKIT_URLS: 'wss://lk1.example,lk2.example:7880' })).toThrow(
      'LOUPE_LIVEKIT_URLS: expected a URL starting with ws:// or wss:// or http:// or https://, got "wss://lk1.example,lk2.example:7880"',
    );
  });

  it('refuses a value a service would refuse, naming it', () => {
    expect(() => parseStartConfig({ LIVEKIT_PORT: '78 80', LIVEKIT_API_SECRET: 'short' })).toThrow(
      'invalid configuration:\n  LIVEKIT_PORT: expected a whole number from 1 to 65535, got "78 80"\n  LIVEKIT_API_SECRET: expected at least 32 characters',
    );
  });
});
