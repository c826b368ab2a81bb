/**
 * An api on a temporary libSQL file, driven through `app.request`. LiveKit room control is
 * recorded rather than sent (the integration tests use the real livekit-server).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hc, type InferResponseType } from 'hono/client';
import type { CreateUserBody, ExamNotice, GlobalRole, SessionRole, User, VitalsPacket } from '@loupe/protocol';
import { MediaStore } from '@loupe/media-store';
import { createApp, type AppType } from '../src/app.ts';
import { openDb } from '../src/db/client.ts';
import { migrateDb } from '../src/db/migrate.ts';
import { parseApiConfig } from '../src/env.ts';
import { createUser } from '../src/users/create-user.ts';
import { ok } from './answers.ts';
import { sites } from '../src/db/schema.ts';
import type { RoomControl, RoomParticipant } from '../src/livekit/rooms.ts';
import { VitalsHub } from '../src/vitals/hub.ts';
import { flushRepeats } from '../src/audit/repeats.ts';

export const TEST_RECORDER_TOKEN = 'recorder-token-for-tests-0123456789abcdef';
export const TEST_KEYS = { apiKey: 'APItestkey', apiSecret: 'test-secret-that-is-long-enough-0123456789' };

export type RoomCall = {
  action: 'close' | 'remove' | 'overlay' | 'recording' | 'open' | 'update' | 'exam' | 'vitals' | 'patient';
  room: string;
  identity?: string;
  holders?: string[];
  state?: string;
  degraded?: true;
  failure?: string;
  /** The api's notice on topic `loupe.exam`, as sent. */
  notice?: ExamNotice;
  /** `vitals`: the packet sent. */
  packet?: VitalsPacket;
};

/**
 * `rooms`: the real livekit-server's (livekitRooms) instead of recording what would be asked of it.
 * `priorsTimeoutMs`: how long prior-imaging requests wait for the PACS.
 */
export async function createTestApi(env: Record<string, string> = {}, o: { rooms?: RoomControl; priorsTimeoutMs?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-api-'));
  const config = parseApiConfig({
    LOUPE_DB_URL: `file:${join(dir, 'loupe.db')}`,
    LIVEKIT_API_KEY: TEST_KEYS.apiKey,
    LIVEKIT_API_SECRET: TEST_KEYS.apiSecret,
    LOUPE_RECORDER_TOKEN: TEST_RECORDER_TOKEN,
    ...env,
  });
  const { db, client: dbClient } = await openDb(config.db.url);
  await migrateDb(db);
  const roomCalls: RoomCall[] = [];
  /** Who livekit-server would say is in each open room; tests fill it. */
  const present = new Map<string, RoomParticipant[]>();
  const rooms: RoomControl = o.rooms ?? {
    closeRoom: async (room) => void roomCalls.push({ action: 'close', room }),
    openRoom: async (room) => void roomCalls.push({ action: 'open', room }),
    updateParticipant: async (room, identity, attributes) => roomCalls.push({ action: 'update', room, identity, state: attributes.role }) > 0,
    removeParticipant: async (room, identity) => roomCalls.push({ action: 'remove', room, identity }) > 0,
    requestOverlay: async (room, identity, holders) => void roomCalls.push({ action: 'overlay', room, identity, holders }),
    setRecordingState: async (room, { recording, degraded, recordingFailure }) =>
      void roomCalls.push({
        action: 'recording',
        room,
        state: recording,
        ...(degraded ? { degraded } : {}),
        ...(recordingFailure ? { failure: recordingFailure } : {}),
      }),
    notifyExam: async (room, notice) => void roomCalls.push({ action: 'exam', room, state: notice.examId ?? undefined, notice }),
    sendVitals: async (room, packet) => void roomCalls.push({ action: 'vitals', room, packet }),
    notifyPatient: async (room) => void roomCalls.push({ action: 'patient', room }),
    listRooms: async () => [...present.keys()],
    listParticipants: async (room) => present.get(room) ?? [],
  };
  const vitals = new VitalsHub(db, rooms);
  const media = new MediaStore({ dir: config.mediaDir, s3: config.s3 });
  const app = createApp({ db, config, rooms, vitals, media, priorsTimeoutMs: o.priorsTimeoutMs });

  /**
   * The api's typed client, answered by `app.request` (no socket), as the holder of `auth`: a
   * session cookie, or headers such as the recorder's bearer token.
   * @example const session = await ok(api.client(host.cookie).sessions.$post({ json: body }));
   */
  function client(auth: string | Record<string, string> = {}) {
    const headers = typeof auth === 'string' ? { cookie: auth } : auth;
    return hc<AppType>('http://localhost', { fetch: (input: string | URL | Request, init?: RequestInit) => app.request(input, init), headers });
  }

  /**
   * Delivers `body` to the LiveKit webhook as livekit-server does, signed by `authorization`.
   * Typed client, raw body: the route checks the signature over the bytes as sent.
   */
  function webhook(body: string, authorization?: string) {
    const headers = { 'content-type': 'application/webhook+json', ...(authorization ? { authorization } : {}) };
    return client(headers).webhooks.livekit.$post({}, { init: { body } });
  }

  let counter = 0;
  /** Creates an account directly in the database and signs it in; returns its cookie. */
  async function account(role: GlobalRole, name = `${role} ${++counter}`) {
    const input: CreateUserBody = {
      email: `${role}${counter}-${Math.random().toString(36).slice(2, 8)}@hospital.test`,
      name,
      role,
      password: `correct horse battery ${counter}`,
    };
    const user = await createUser(db, input);
    const res = await client().auth['sign-in'].$post({ json: { email: input.email, password: input.password } });
    await ok(res, 200);
    return { user, cookie: sessionCookie(res), password: input.password };
  }

  let ultrasoundSites: Promise<{ siteId: string; reviewSiteId: string }> | undefined;
  /** A scanning hospital and a reviewing centre, made once, for the ultrasound sessions that need them. */
  function sitesForUltrasound() {
    ultrasoundSites ??= (async () => {
      const [siteId, reviewSiteId] = [crypto.randomUUID(), crypto.randomUUID()];
      await db.insert(sites).values([
        { id: siteId, name: 'Fixture county hospital', kind: 'hospital' },
        { id: reviewSiteId, name: 'Fixture ultrasound centre', kind: 'centre' },
      ]);
      return { siteId, reviewSiteId };
    })();
    return ultrasoundSites;
  }

  /** A remote ultrasound session hosted by `host`, with `members` invited in their roles; its id. */
  async function ultrasoundSession(host: TestAccount, members: readonly (readonly [TestAccount, SessionRole])[]): Promise<string> {
    const api = client(host.cookie);
    const json = {
      title: 'eFAST, bed 3',
      procedure: 'eFAST',
      specialty: 'Emergency',
      scheduledAt: '2026-12-06T08:00:00Z',
      kind: 'ultrasound' as const,
      ...(await sitesForUltrasound()),
    };
    const { id } = await ok(api.sessions.$post({ json }));
    for (const [who, role] of members) await ok(api.sessions[':id'].members.$post({ param: { id }, json: { email: who.user.email, role } }));
    return id;
  }

  return {
    ultrasoundSession,
    sitesForUltrasound,
    app,
    db,
    config,
    media,
    roomCalls,
    present,
    rooms,
    vitals,
    account,
    client,
    webhook,
    async close() {
      await media.close();
      // Runs of repeated audit entries close on a timer a minute on: written now, not into a closed database.
      await flushRepeats(db);
      dbClient.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type TestApi = Awaited<ReturnType<typeof createTestApi>>;
/** What the api answers a LiveKit webhook delivery it takes, as its route declares it. */
export type WebhookAnswer = InferResponseType<ReturnType<TestApi['client']>['webhooks']['livekit']['$post'], 200>;
export type TestAccount = { user: User; cookie: string; password: string };

export { ok, refused, type Answer } from './answers.ts';

/** `name=value` of the session cookie a response (a raw one or the typed client's) sets. */
export function sessionCookie(res: { headers: Headers }): string {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('loupe_session='));
  if (!header) throw new Error('no session cookie set');
  return header.split(';')[0]!;
}

export function postJson(body: unknown, cookie?: string, method = 'POST'): RequestInit {
  return {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  };
}

export function withCookie(cookie: string, method = 'GET'): RequestInit {
  return { method, headers: { cookie } };
}

/**
 * A response's JSON body, untyped: only for /openapi.json, which OpenAPIHono's doc31 serves
 * outside the chain AppType describes. Every other answer is read through `ok()` or `refused()`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OpenAPI document is read as whatever it is
export const json = (res: Response): Promise<any> => res.json();
