/** Reading a typed client's answers in tests, for the api's own tests and for the recorder's. */
type Answer = { ok: boolean; status: number; url: string; text(): Promise<string>; json(): Promise<unknown> };
/** The body type of a typed response union's successful members. */
type Success<R> = R extends { ok: true; json(): Promise<infer T> } ? T : never;

/**
 * The body of a typed client's successful answer; an error status throws with the api's words,
 * so a failed setup step says what the api refused.
 * @example const session = await ok(api.sessions.$post({ json: body }));
 */
export async function ok<R extends Answer>(request: Promise<R>): Promise<Success<R>> {
  const res = await request;
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? null : await res.json()) as Success<R>;
}
