import { describe, expect, it } from 'vitest';
import { fromOwnOrigin } from './request-origin.ts';

const own = 'https://loupe.hospital.example';
const headers = (h: Record<string, string>) => new Headers(h);

describe('a request that changes something', () => {
  it('is Loupe’s own only from its origin, same-site pages on another port included', () => {
    expect(fromOwnOrigin(headers({ 'sec-fetch-site': 'same-origin' }), own)).toBe(true);
    expect(fromOwnOrigin(headers({ 'sec-fetch-site': 'none' }), own)).toBe(true);
    expect(fromOwnOrigin(headers({ 'sec-fetch-site': 'same-site', origin: own }), own)).toBe(false);
    expect(fromOwnOrigin(headers({ 'sec-fetch-site': 'cross-site' }), own)).toBe(false);
    // A browser that does not send Sec-Fetch-Site: its Origin decides.
    expect(fromOwnOrigin(headers({ origin: own }), own)).toBe(true);
    expect(fromOwnOrigin(headers({ origin: 'https://loupe.hospital.example:8443' }), own)).toBe(false);
    // Not a browser: nothing to forge with.
    expect(fromOwnOrigin(headers({}), own)).toBe(true);
  });
});
