/**
 * Property-based fuzzing of every route in the api's OpenAPI document, so a new route is
 * fuzzed as soon as it is documented. Each request mixes fitting and broken path segments,
 * query strings and JSON bodies, sent as an admin, a session member, nobody or the recorder.
 * Whatever comes in: never a 5xx; a 4xx has the error shape and changed no row; a 2xx only
 * for input the document allows.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { eq, sql } from 'drizzle-orm';
import { ErrorBody } from '@loupe/protocol';
import { TEST_RECORDER_TOKEN, createTestApi, json, ok } from '../test/fixture.ts';
import { brokenObjectOf, oddString, queryValueOf, segmentOf, valueOf, type JsonSchema, type Known } from '../test/fuzz-arbitraries.ts';
import { createSession } from './auth/cookie-sessions.ts';
import { cases } from './db/schema.ts';

// Bookkeeping that a refused request may rightly write: who is signed in, the audit log, and
// the rate limits it counts against (a refused sign-in is a failure; a token request is counted first).
const UNWATCHED_TABLES = ['auth_sessions', 'audit_log', 'rate_limits'];
const RUNS_PER_ROUTE = 30;

const mediaDir = await mkdtemp(join(tmpdir(), 'loupe-fuzz-media-'));
const api = await createTestApi({ LOUPE_MEDIA_DIR: mediaDir });
// Each request writes (who is signed in, the audit log): durability is not under test here,
// and a sync to disk per write would make the fuzzing ten times slower.
await api.db.run(sql`PRAGMA synchronous = OFF`);
afterAll(async () => {
  await api.close();
  await rm(mediaDir, { recursive: true, force: true });
});
const admin = await api.account('admin');
const member = await api.account('mentor');
const policy = { idleMs: api.config.sessionIdleMs, maxMs: api.config.sessionMaxMs };

type Parameter = { in: 'path' | 'query'; name: string; required?: boolean; schema: JsonSchema };
type Operation = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } };
// Raw: /openapi.json is served by OpenAPIHono's doc31, outside the chain AppType describes.
const doc = (await json(await api.app.request('/openapi.json'))) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
};

/** The schema with every `$ref` replaced by the component it names. */
function resolve(schema: JsonSchema): JsonSchema {
  if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').at(-1)!]!);
  const out: JsonSchema = { ...schema };
  if (schema.items) out.items = resolve(schema.items);
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, resolve(s)]));
  return out;
}

type Route = { method: string; path: string; params: Parameter[]; body: JsonSchema | null };
const routes: Route[] = Object.entries(doc.paths).flatMap(([path, operations]) =>
  Object.entries(operations).map(([method, op]) => {
    const body = op.requestBody?.content['application/json']?.schema;
    return { method: method.toUpperCase(), path, params: op.parameters ?? [], body: body ? resolve(body) : null };
  }),
);

const tables = await api.db.all<{ name: string; sql: string }>(sql`SELECT name, sql FROM sqlite_master WHERE type = 'table'`);
// A full-text index's own tables (cases_fts_data…) follow its virtual table, which is watched.
const shadowPrefixes = tables.filter((t) => t.sql.startsWith('CREATE VIRTUAL')).map((t) => `${t.name}_`);
const watched = tables
  .map((t) => t.name)
  .filter((name) => !name.startsWith('sqlite_') && !UNWATCHED_TABLES.includes(name) && !shadowPrefixes.some((p) => name.startsWith(p)));
// Every watched row as text, in one query.
const everyRow = sql.raw(
  (
    await Promise.all(
      watched.map(async (name) => {
        const columns = await api.db.all<{ name: string }>(sql.raw(`PRAGMA table_info("${name}")`));
        const row = columns.map((c) => `quote("${c.name}")`).join(` || ',' || `);
        return `SELECT '${name}' AS t, group_concat(${row}, char(10)) AS v FROM (SELECT * FROM "${name}" ORDER BY rowid)`;
      }),
    )
  ).join(' UNION ALL '),
);

/** Digest of every watched table's rows: equal before and after means no row changed. */
async function tablesDigest(): Promise<string> {
  return createHash('sha256')
    .update(JSON.stringify(await api.db.all(everyRow)))
    .digest('hex');
}

/**
 * A live session with the member in it as mentor, a ready case with media files, and a
 * recording running: fresh for each route, so that one route's successes (ending the session,
 * deleting the case) leave the next route something to work on.
 */
async function seed(): Promise<Known> {
  const as = api.client(admin.cookie);
  const session = await ok(
    as.sessions.$post({ json: { title: 'Cholecystectomy', procedure: 'Cholecystectomy', specialty: 'General', scheduledAt: new Date().toISOString() } }),
  );
  const param = { id: session.id };
  await ok(as.sessions[':id'].members.$post({ param, json: { email: member.user.email, role: 'mentor' } }));
  await ok(as.sessions[':id'].start.$post({ param }));
  const consent = { consentOnFile: true, noIdentifiersInView: true } as const;
  const recorded = await ok(as.sessions[':id'].recording.$post({ param, json: consent }));
  await ok(as.sessions[':id'].recording.stop.$post({ param }));
  const outcome = { status: 'ready' as const, durationMs: 1000, failure: null, chapters: [{ title: 'Critical view', atMs: 500 }] };
  const recorder = api.client({ authorization: `Bearer ${TEST_RECORDER_TOKEN}` });
  await ok(recorder.internal.recordings[':id'].outcome.$post({ param: { id: recorded.id }, json: outcome }));
  const files = join(mediaDir, 'recordings', recorded.id);
  await mkdir(files, { recursive: true });
  for (const file of ['case.mp4', 'poster.jpg', 'thumbnails.jpg', 'annotations.json']) await writeFile(join(files, file), 'x'.repeat(100));
  const running = await ok(as.sessions[':id'].recording.$post({ param, json: consent }));
  // From the database: searching the library through the api is rate-limited.
  const { id: caseId } = (await api.db.select({ id: cases.id }).from(cases).where(eq(cases.recordingId, recorded.id)).get())!;
  const users = [admin.user.id, member.user.id];
  return {
    ids: [session.id, caseId, recorded.id, running.id, ...users],
    emails: [admin.user.email, member.user.email],
    byCollection: { sessions: [session.id], cases: [caseId], recordings: [recorded.id, running.id], members: users },
  };
}

const CALLERS = ['admin', 'member', 'nobody', 'recorder'] as const;
type Caller = (typeof CALLERS)[number];

/** Each caller's credentials. Fresh browser sessions after any success: it may have been a sign-out. */
async function credentials(): Promise<Record<Caller, Record<string, string>>> {
  const cookie = async (userId: string) => ({ cookie: `loupe_session=${await createSession(api.db, userId, policy)}` });
  return {
    admin: await cookie(admin.user.id),
    member: await cookie(member.user.id),
    nobody: {},
    recorder: { authorization: `Bearer ${TEST_RECORDER_TOKEN}` },
  };
}

type Body = { text: string; type: string | null } | null;
type Input = { caller: Caller; segments: Record<string, string>; query: string; body: Body; range: string | null };

const bodyText = (value: unknown) => JSON.stringify(value) ?? 'null';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function bodyOf(schema: JsonSchema | null, known: Known): fc.Arbitrary<Body> {
  const type = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=utf-16', null) },
  );
  const text = schema
    ? fc.oneof(
        { weight: 4, arbitrary: brokenObjectOf(schema, known).map(bodyText) },
        { weight: 2, arbitrary: valueOf(schema, known).map(bodyText) },
        { weight: 1, arbitrary: fc.jsonValue().map(bodyText) },
        { weight: 1, arbitrary: oddString },
      )
    : fc.jsonValue().map(bodyText);
  return fc.option(fc.record({ text, type }), { nil: null });
}

function queryOf(params: Parameter[], known: Known): fc.Arbitrary<string> {
  const documented = params.filter((p) => p.in === 'query');
  const pair = (name: fc.Arbitrary<string>, value: fc.Arbitrary<string>) => fc.option(fc.tuple(name, value), { nil: null });
  const pairs = [...documented.map((p) => pair(fc.constant(p.name), queryValueOf(p.schema, known, p.name))), pair(oddString, oddString)];
  // A parameter given twice is no longer one value.
  if (documented[0]) pairs.push(pair(fc.constant(documented[0].name), fc.constant('1')));
  const structured = fc.tuple(...pairs).map((chosen) => new URLSearchParams(chosen.filter((p): p is [string, string] => p !== null)).toString());
  return fc.oneof({ weight: 4, arbitrary: structured }, { weight: 1, arbitrary: oddString });
}

function inputOf(route: Route, known: Known): fc.Arbitrary<Input> {
  const parts = route.path.split('/');
  const segments = Object.fromEntries(
    route.params
      .filter((p) => p.in === 'path')
      .map((p) => {
        const collection = parts[parts.indexOf(`{${p.name}}`) - 1]!;
        return [p.name, segmentOf(p.schema, { ...known, ids: known.byCollection[collection] ?? known.ids })];
      }),
  );
  const ranges = fc.constantFrom('bytes=0-', 'bytes=-10', 'bytes=5-1', 'bytes=99999999999999999999-', 'bytes=0-1,3-4', 'items=0-1');
  // What a server sees of odd header bytes: Latin-1, and no line breaks or NUL (HTTP forbids them).
  const oddHeader = oddString.map((s) =>
    Buffer.from(s)
      .toString('latin1')
      .replace(/[\0\r\n]/g, ''),
  );
  const range = fc.option(fc.oneof(ranges, oddHeader), { nil: null });
  return fc.record({
    caller: fc.oneof(
      { weight: 4, arbitrary: fc.constant<Caller>(route.path.startsWith('/internal/') ? 'recorder' : 'admin') },
      { weight: 4, arbitrary: fc.constant<Caller>('member') },
      { weight: 1, arbitrary: fc.constantFrom(...CALLERS) },
    ),
    segments: fc.record(segments),
    query: queryOf(route.params, known),
    body: bodyOf(route.body, known),
    range,
  });
}

function urlOf(route: Route, input: Input): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => input.segments[name]!);
  return input.query ? `${path}?${input.query}` : path;
}

const decode = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const allows = (schema: JsonSchema, value: unknown) => z.fromJSONSchema(schema as never).safeParse(value).success;
const numeric = (schema: JsonSchema) => [schema.type].flat().some((t) => t === 'integer' || t === 'number');

/** Whether the document allows this input: only then may the answer be a success. */
function documentAllows(route: Route, input: Input, url: URL): boolean {
  for (const p of route.params) {
    if (p.in === 'path') {
      const segment = input.segments[p.name]!;
      if (segment.includes('/') || !allows(p.schema, decode(segment))) return false;
    } else {
      const values = url.searchParams.getAll(p.name);
      if (values.length > 1) return false;
      if (values.length === 0) {
        if (p.required) return false;
        continue;
      }
      if (!allows(p.schema, numeric(p.schema) ? Number(values[0]) : values[0])) return false;
    }
  }
  if (!route.body) return true;
  if (!input.body || !input.body.type?.startsWith('application/json')) return false;
  const value = parseJson(input.body.text);
  return value !== undefined && allows(route.body, value);
}

describe('every documented route, fuzzed', () => {
  it('covers the whole api', () => {
    expect(routes.length).toBeGreaterThan(25);
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s',
    async (_, route) => {
      const known = await seed();
      let callers = await credentials();
      let digest = await tablesDigest();
      await fc.assert(
        fc.asyncProperty(inputOf(route, known), async (input) => {
          const headers = { ...callers[input.caller] };
          if (input.body?.type) headers['content-type'] = input.body.type;
          if (input.range !== null) headers.range = input.range;
          const url = urlOf(route, input);
          // fetch's Request refuses a body on a GET.
          const body = route.method === 'GET' ? undefined : input.body?.text;
          // Raw, not the typed client: the input is meant to break the route's types.
          const res = await api.app.request(url, { method: route.method, headers, body });
          const text = await res.text();
          const before = digest;
          digest = await tablesDigest();
          const what = `${route.method} ${url.slice(0, 300)} as ${input.caller}, body ${input.body?.text.slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`;
          expect(res.status, what).toBeLessThan(500);
          if (res.status >= 400) {
            expect(ErrorBody.safeParse(parseJson(text)).success, `error shape: ${what}`).toBe(true);
            expect(digest, `rows changed: ${what}`).toBe(before);
          } else {
            expect(res.status, what).toBeGreaterThanOrEqual(200);
            expect(documentAllows(route, input, new URL(url, 'http://api.test')), `accepted: ${what}`).toBe(true);
            callers = await credentials();
          }
        }),
        // No shrinking: each request changes the database, so a failure is reported as it happened.
        { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    },
    30_000,
  );
});
