/** Reading a typed client's answers in tests, for the api's own tests and for the recorder's. */
import { ErrorBody } from '@loupe/protocol';

/** What ok() and refused() read: a typed client's answer, or a raw Response. */
export type Answer = { ok: boolean; status: number; url: string; headers: Headers; text(): Promise<string>; json(): Promise<unknown> };
/** The body type of a typed response union's successful members. */
type Success<R> = R extends { ok: true; json(): Promise<infer T> } ? T : never;

/**
 * The body of a typed client's successful answer; an error status throws with the api's words,
 * so a failed setup step says what the api refused. `status`: the one success status expected.
 * Also takes an answer already awaited, to read its headers as well.
 * @example const session = await ok(api.sessions.$post({ json: body }), 201);
 */
export async function ok<R extends Answer>(request: R | Promise<R>, status?: number): Promise<Success<R>> {
  const res = await request;
  if (!res.ok || (status !== undefined && res.status !== status)) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? null : await res.json()) as Success<R>;
}

/**
 * The error body of an answer refused with `status`, checked against the api's one error shape
 * (protocol's ErrorBody, which every route declares and the app's error handler writes); any
 * other status throws with the api's words. Also reads the refusal of a raw `app.request`, for
 * a hostile request the typed client will not make.
 * @example expect((await refused(api.sessions.$post({ json: body }), 400)).error.message).toMatch(/Title/);
 */
export async function refused(request: Answer | Promise<Answer>, status: number): Promise<ErrorBody> {
  const res = await request;
  if (res.status !== status) throw new Error(`${res.url}: expected ${status}, got ${res.status} ${await res.text()}`);
  return ErrorBody.parse(await res.json());
}
