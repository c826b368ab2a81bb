import { describe, expect, it } from 'vitest';
import { generateKeys, livekitConfigYaml, redisConfigYaml } from './livekit.ts';

describe('livekit-server config for a cluster', () => {
  it('points the node at LOUPE_REDIS_URL, user, password and database included', () => {
    expect(redisConfigYaml('redis://127.0.0.1:6390')).toBe('redis:\n  address: 127.0.0.1:6390\n');
    expect(redisConfigYaml('rediss://loupe:p%40ss@redis.example:6380/2')).toBe(
      'redis:\n  address: redis.example:6380\n  username: "loupe"\n  password: "p@ss"\n  db: 2\n  use_tls: true\n',
    );
    expect(redisConfigYaml('redis://redis.example')).toContain('address: redis.example:6379');
  });

  it('refuses a URL that is not Redis, or a path that is not a database number', () => {
    expect(() => redisConfigYaml('http://127.0.0.1:6379')).toThrow('LOUPE_REDIS_URL: expected redis:// or rediss://');
    expect(() => redisConfigYaml('redis://127.0.0.1:6379/loupe')).toThrow('the path must be a database number');
  });

  it('has no redis block without LOUPE_REDIS_URL: one node on its own, as before', () => {
    const base = { keys: generateKeys(), port: 7880, rtcTcpPort: 7881, rtcUdpPort: 7882, webhookUrls: [], logLevel: 'warn' };
    expect(livekitConfigYaml(base)).not.toContain('redis:');
    expect(livekitConfigYaml({ ...base, redisUrl: 'redis://127.0.0.1:6390' })).toContain('redis:\n  address: 127.0.0.1:6390\n');
  });
});
