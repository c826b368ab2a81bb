import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { AccessToken, ParticipantInfo, ParticipantInfo_State, Room, WebhookEvent } from 'livekit-server-sdk';
import { TEST_KEYS, createTestApi, ok, type TestApi } from '../../test/fixture.ts';
import { auditLog, livekitEvents } from '../db/schema.ts';
import { parseApiConfig } from '../env.ts';
import { catchUpJoins, startJoinCatchUp } from './catch-up.ts';
import { recordJoin, type Join } from './joins.ts';
import type { RoomControl } from './rooms.ts';

let api: TestApi;
beforeEach(async () => {
  api = await createTestApi();
});
afterEach(() => api.close());

const ROOM = 'f1b9c8e2-4a5d-4c6e-9f00-0123456789ab';
const USER = '3d6f0a1e-7b2c-4e8d-a5f4-9c0b1d2e3f40';
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A participant as livekit-server describes them, in its webhooks and in ListParticipants. */
function participant(joinedAt: number, identity = USER): ParticipantInfo {
  return new ParticipantInfo({
    sid: `PA_${joinedAt}`,
    identity,
    name: 'Dr. Chen',
    state: ParticipantInfo_State.ACTIVE,
    attributes: { role: 'theatre', name: 'Dr. Chen' },
    joinedAt: BigInt(joinedAt),
    joinedAtMs: BigInt(joinedAt * 1000 + 123),
  });
}

/** livekit-server says these are in the room now. */
function inRoom(...people: ParticipantInfo[]) {
  const described = people.map(({ identity, name, attributes, joinedAt }) => ({ identity, name, attributes, joinedAt: Number(joinedAt) }));
  api.present.set(ROOM, described);
}

/** Delivers the participant_joined webhook for this join, signed as livekit-server signs it. */
async function webhook(id: string, p: ParticipantInfo) {
  const event = new WebhookEvent({ id, createdAt: BigInt(nowSeconds()), room: new Room({ name: ROOM }), participant: p });
  // protobuf-es drops `event` given to the constructor (a name it keeps for itself, it seems).
  event.event = 'participant_joined';
  const body = event.toJsonString();
  const at = new AccessToken(TEST_KEYS.apiKey, TEST_KEYS.apiSecret);
  at.sha256 = createHash('sha256').update(body).digest('base64');
  return (await ok(api.webhook(body, await at.toJwt()), 200)).recorded;
}

const joinsAudited = () => api.db.select().from(auditLog).where(eq(auditLog.action, 'session.joined_room')).all();
const joinRows = () => api.db.select().from(livekitEvents).where(eq(livekitEvents.event, 'participant_joined')).all();

describe('catching up on joins the webhooks missed', () => {
  it('records a join livekit-server shows and no webhook brought, once however often it runs', async () => {
    const joinedAt = nowSeconds() - 600;
    inRoom(participant(joinedAt));
    expect(await catchUpJoins(api.db, api.rooms)).toBe(1);
    expect(await catchUpJoins(api.db, api.rooms)).toBe(0);

    const audited = await joinsAudited();
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      actorId: USER,
      actorLabel: 'Dr. Chen',
      sessionId: ROOM,
      detail: {
        identity: USER,
        role: 'theatre',
        displayOnly: false,
        occurredAt: new Date(joinedAt * 1000).toISOString(),
        source: 'catch-up',
      },
    });
    const rows = await joinRows();
    expect(rows.map((r) => [r.id, r.roomName, r.participantIdentity, r.occurredAt])).toEqual([
      [`catch-up:${ROOM}:${USER}:${joinedAt}`, ROOM, USER, new Date(joinedAt * 1000)],
    ]);
  });

  it('a webhook for that join arriving later adds nothing; a later join of the same person still counts', async () => {
    const first = participant(nowSeconds() - 60);
    inRoom(first);
    await catchUpJoins(api.db, api.rooms);
    // livekit-server's last retry reaches the api after the catch-up.
    expect(await webhook('EV_late', first)).toBe(false);
    expect(await joinsAudited()).toHaveLength(1);

    // The same person reconnects: a new join, with its own time.
    expect(await webhook('EV_rejoin', participant(nowSeconds() - 5))).toBe(true);
    expect((await joinsAudited()).map((e) => e.detail.source)).toEqual(['catch-up', 'webhook']);
  });

  it('does not repeat a join the webhook already recorded', async () => {
    const p = participant(nowSeconds() - 30);
    expect(await webhook('EV_1', p)).toBe(true);
    inRoom(p);
    expect(await catchUpJoins(api.db, api.rooms)).toBe(0);
    expect((await joinsAudited()).map((e) => e.detail.source)).toEqual(['webhook']);
    expect((await joinRows()).map((r) => r.id)).toEqual(['EV_1']);
  });

  it('records a join once when the webhook and a catch-up round store it at the same moment', async () => {
    for (let i = 0; i < 10; i++) {
      const p = participant(nowSeconds() - 100 + i);
      inRoom(p);
      const fromWebhook: Join = {
        id: `EV_race_${i}`,
        room: ROOM,
        participant: api.present.get(ROOM)![0]!,
        occurredAt: new Date(),
        source: 'webhook',
        payload: { event: 'participant_joined', participant: p.toJson() },
      };
      // Side by side: each one's check runs before the other's insert unless they are one statement.
      const [byWebhook, byCatchUp] = await Promise.all([recordJoin(api.db, fromWebhook), catchUpJoins(api.db, api.rooms)]);
      expect(Number(byWebhook) + byCatchUp).toBe(1);
    }
    expect(await joinsAudited()).toHaveLength(10);
  });

  it('keeps running while livekit-server cannot be reached, says so once, and catches up when it answers', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const logs = vi.spyOn(console, 'log').mockImplementation(() => {});
    let reachable = false;
    let failures = 0;
    let failedThrice!: () => void;
    const thrice = new Promise<void>((resolve) => (failedThrice = resolve));
    let caughtUp!: () => void;
    const answered = new Promise<void>((resolve) => (caughtUp = resolve));
    const rooms: RoomControl = {
      ...api.rooms,
      async listRooms() {
        if (!reachable) {
          if (++failures === 3) failedThrice();
          throw new Error('connect ECONNREFUSED 127.0.0.1:7880');
        }
        return api.rooms.listRooms();
      },
      async listParticipants(room) {
        const people = await api.rooms.listParticipants(room);
        setImmediate(caughtUp);
        return people;
      },
    };
    inRoom(participant(nowSeconds() - 90));
    const stop = startJoinCatchUp(api.db, rooms, 5, 'api-test');
    let logged: unknown[][];
    try {
      await thrice;
      reachable = true;
      await answered;
    } finally {
      await stop();
      logged = errors.mock.calls;
      errors.mockRestore();
      logs.mockRestore();
    }
    // Three failed rounds, one line in the log; then the join is there.
    expect(logged).toHaveLength(1);
    expect(String(logged[0]![1])).toContain('ECONNREFUSED');
    expect(await joinsAudited()).toHaveLength(1);
  });

  it('does not keep a join whose audit entry could not be written: the next round records both', async () => {
    inRoom(participant(nowSeconds() - 30));
    await api.db.run(sql`CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    await expect(catchUpJoins(api.db, api.rooms)).rejects.toThrow();
    expect(await joinRows()).toEqual([]);
    await api.db.run(sql`DROP TRIGGER audit_refused`);
    expect(await catchUpJoins(api.db, api.rooms)).toBe(1);
    expect(await joinRows()).toHaveLength(1);
    expect(await joinsAudited()).toHaveLength(1);
  });

  it('is configured in seconds, 30 by default, and refuses a period that would hammer livekit-server', () => {
    const keys = { LIVEKIT_API_KEY: TEST_KEYS.apiKey, LIVEKIT_API_SECRET: TEST_KEYS.apiSecret };
    expect(parseApiConfig(keys).livekitCatchUpMs).toBe(30_000);
    expect(parseApiConfig({ ...keys, LOUPE_LIVEKIT_CATCH_UP_SECONDS: '120' }).livekitCatchUpMs).toBe(120_000);
    expect(() => parseApiConfig({ ...keys, LOUPE_LIVEKIT_CATCH_UP_SECONDS: '0' })).toThrow(/LOUPE_LIVEKIT_CATCH_UP_SECONDS/);
  });
});
