import { describe, expect, it } from 'vitest';
import { dbUrlFromRoot, fromRoot } from './paths.ts';

describe('settings paths', () => {
  it('reads a relative path in .env from the repository root, so every service finds the same place', () => {
    expect(fromRoot('data/media', '/srv/loupe')).toBe('/srv/loupe/data/media');
    expect(dbUrlFromRoot('file:data/loupe.db', '/srv/loupe')).toBe('file:/srv/loupe/data/loupe.db');
  });

  it('leaves absolute paths and database servers as they are', () => {
    expect(fromRoot('/var/lib/loupe/media', '/srv/loupe')).toBe('/var/lib/loupe/media');
    expect(dbUrlFromRoot('file:/var/lib/loupe/loupe.db', '/srv/loupe')).toBe('file:/var/lib/loupe/loupe.db');
    expect(dbUrlFromRoot('libsql://db.hospital.example:8080', '/srv/loupe')).toBe('libsql://db.hospital.example:8080');
  });
});
