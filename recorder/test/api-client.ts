/**
 * The api as the recorder's tests call it: Hono's typed client for `AppType`, so request bodies
 * and answers are checked against the routes, signed in with a person's session cookie.
 */
import { hc } from 'hono/client';
import type { AppType } from '@loupe/api';

/** The api at `url` as the person holding `cookie`. */
export const apiAs = (url: string, cookie: string) => hc<AppType>(url, { headers: { cookie } });

export { ok } from '../../api/test/answers.ts';
