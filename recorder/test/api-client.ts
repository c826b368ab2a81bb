/**
 * The api as the recorder's tests call it: Hono's typed client for `AppType`, so request bodies
 * and answers are checked against the routes, signed in with a person's session cookie.
 */
import { hc } from 'hono/client';
import type { AppType } from '@loupe/api';

/** The api at `url` as the person holding `cookie`. */
export const apiAs = (url: string, cookie: string) => hc<AppType>(url, { headers: { cookie } });

type Answer = { ok: boolean; status: number; url: string; text(): Promise<string>; json(): Promise<unknown> };
/** The body type of a typed response union's successful members. */
type Success<R> = R extends { ok: true; json(): Promise<infer T> } ? T : never;

/**
 * The body of a successful answer; an error status throws with the api's words, so a failed
 * setup step says what the api refused.
 * @example const session = await ok(api.sessions.$post({ json: body }));
 */
export async function ok<R extends Answer>(request: Promise<R>): Promise<Success<R>> {
  const res = await request;
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? null : await res.json()) as Success<R>;
}
