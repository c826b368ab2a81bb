import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApi, json, type TestApi } from '../test/fixture.ts';

let api: TestApi;
beforeEach(async () => {
  api = await createTestApi();
});
afterEach(() => api.close());

describe('the OpenAPI document', () => {
  it('describes every public route from the same schemas that validate them', async () => {
    // Raw: /openapi.json is served by OpenAPIHono's doc31, outside the chain AppType describes.
    const res = await api.app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, method] of [
      ['/auth/sign-in', 'post'],
      ['/sessions', 'post'],
      ['/sessions/{id}/members', 'post'],
      ['/sessions/{id}/token', 'post'],
      ['/sessions/{id}/recording', 'post'],
      ['/cases', 'get'],
      ['/cases/{id}/media/{file}', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    // The token route's answer is the SessionToken schema, with the grants' role enum.
    const token = doc.paths['/sessions/{id}/token'].post.responses['200'].content['application/json'].schema;
    expect(token.$ref).toBe('#/components/schemas/SessionToken');
    expect(doc.components.schemas.SessionToken.properties.role.enum).toEqual(['host', 'mentor', 'theatre', 'observer']);
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toContain('forbidden');
  });

  it('comes, like every api response, with headers that forbid rendering or framing it as a page', async () => {
    for (const path of ['/openapi.json', '/health', '/no-such-endpoint']) {
      const res = await api.app.request(path);
      expect(res.headers.get('content-security-policy'), path).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
  });
});
