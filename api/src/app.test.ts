import { afterEach, expect, it } from 'vitest';
import { createTestApi, json, postJson, withCookie, type TestApi } from '../test/fixture.ts';

let api: TestApi;
afterEach(() => api.close());

it('refuses a request body over 1 MiB and closes the connection, while reads go on', async () => {
  api = await createTestApi();
  const { cookie } = await api.account('mentor');
  const res = await api.app.request('/sessions', postJson({ title: 'x'.repeat(1024 * 1024) }, cookie));
  expect(res.status).toBe(413);
  expect(res.headers.get('connection')).toBe('close');
  expect(await json(res)).toEqual({ error: { code: 'invalid_request', message: 'Request body too large' } });
  const me = await api.app.request('/auth/me', withCookie(cookie));
  expect(me.status).toBe(200);
});
