/**
 * The real thing: livekit-server on free loopback ports, tokens from the api, and three
 * participants connected with @livekit/rtc-node. livekit-server posts its webhooks to a port
 * where the api listens only when a test serves it; otherwise they are refused, as when the api is down.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Room, RoomEvent, dispose, type RemoteParticipant } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import { serve } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import { freePort, startLiveKit, type LiveKit } from '@loupe/stack';
import type { SessionRole } from '@loupe/protocol';
import { createTestApi, ok, type TestApi, type WebhookAnswer } from './fixture.ts';
import { auditLog } from '../src/db/schema.ts';
import { livekitRooms } from '../src/livekit/rooms.ts';
import { catchUpJoins } from '../src/livekit/catch-up.ts';

let livekit: LiveKit;
let api: TestApi;
let sessionId: string;
let webhookPort: number;
let webhookServer: Server | undefined;
const rooms: Room[] = [];

beforeAll(async () => {
  webhookPort = await freePort();
  livekit = await startLiveKit({ webhookUrls: [`http://127.0.0.1:${webhookPort}/webhooks/livekit`] });
  api = await createTestApi(
    { LIVEKIT_API_KEY: livekit.apiKey, LIVEKIT_API_SECRET: livekit.apiSecret, LIVEKIT_PUBLIC_URL: livekit.wsUrl },
    { rooms: livekitRooms(livekit.httpUrl, livekit.apiKey, livekit.apiSecret) },
  );
});

afterAll(async () => {
  await stopWebhooks();
  await Promise.all(rooms.map((r) => r.disconnect()));
  await dispose();
  await api?.close();
  await livekit?.stop();
});

/** Invites a person with a session role, asks the api for their token and joins the room. */
async function join(hostCookie: string, role: SessionRole, name: string): Promise<{ room: Room; identity: string }> {
  const person = await api.account(role === 'theatre' ? 'surgeon' : role === 'observer' ? 'trainee' : 'mentor', name);
  const param = { id: sessionId };
  await ok(api.client(hostCookie).sessions[':id'].members.$post({ param, json: { email: person.user.email, role } }));
  const { token, url } = await ok(api.client(person.cookie).sessions[':id'].token.$post({ param, query: {} }));
  const room = new Room();
  rooms.push(room);
  await room.connect(url, token, { autoSubscribe: true, dynacast: false });
  return { room, identity: person.user.id };
}

/** The first participant_joined webhook the api answered for an identity: whether it recorded the join. */
const joinWebhooks = new Map<string, PromiseWithResolvers<boolean>>();
function joinWebhook(identity: string): PromiseWithResolvers<boolean> {
  let heard = joinWebhooks.get(identity);
  if (!heard) joinWebhooks.set(identity, (heard = Promise.withResolvers<boolean>()));
  return heard;
}

/** The api up for livekit-server's webhooks; each participant_joined answered is reported. */
async function serveWebhooks(): Promise<void> {
  const server = serve({
    hostname: '127.0.0.1',
    port: webhookPort,
    fetch: async (req, env) => {
      const event = JSON.parse(await req.clone().text());
      const res = await api.app.fetch(req, env);
      // livekit-server's own delivery, not the typed client's: its answer is read as the route declares it.
      if (event.event === 'participant_joined') joinWebhook(event.participant.identity).resolve(((await res.clone().json()) as WebhookAnswer).recorded);
      return res;
    },
  }) as Server;
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  webhookServer = server;
}

/** The api down for livekit-server: its deliveries are refused. */
async function stopWebhooks(): Promise<void> {
  const server = webhookServer;
  webhookServer = undefined;
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

async function newSession(hostCookie: string, title: string, procedure = 'Cholecystectomy'): Promise<string> {
  const body = { title, procedure, specialty: 'General surgery', scheduledAt: new Date().toISOString() };
  return (await ok(api.client(hostCookie).sessions.$post({ json: body }))).id;
}

function nextData(room: Room, topic: string): Promise<{ text: string; from: RemoteParticipant | undefined }> {
  return new Promise((resolve) => {
    const onData = (payload: Uint8Array, from?: RemoteParticipant, _kind?: unknown, t?: string) => {
      if (t !== topic) return;
      room.off(RoomEvent.DataReceived, onData);
      resolve({ text: new TextDecoder().decode(payload), from });
    };
    room.on(RoomEvent.DataReceived, onData);
  });
}

describe('a live room on the real livekit-server', () => {
  it('carries the mentor’s data to theatre, stamps who sent it, and drops an observer’s', async () => {
    const host = await api.account('admin', 'Host');
    sessionId = await newSession(host.cookie, 'Live', 'Appendectomy');

    const theatre = await join(host.cookie, 'theatre', 'Dr. Chen');
    const mentor = await join(host.cookie, 'mentor', 'Prof. Zhang');
    const observer = await join(host.cookie, 'observer', 'Li Na');

    // Theatre sees the mentor with the role and name the api put in the token.
    const seen =
      theatre.room.remoteParticipants.get(mentor.identity) ??
      (await new Promise<RemoteParticipant>((resolve) => {
        theatre.room.on(RoomEvent.ParticipantConnected, (p) => p.identity === mentor.identity && resolve(p));
      }));
    expect(seen.attributes).toEqual({ role: 'mentor', name: 'Prof. Zhang' });
    expect(seen.name).toBe('Prof. Zhang');

    const fromObserver = nextData(theatre.room, 'observer-attempt');
    let observerDelivered = false;
    void fromObserver.then(() => (observerDelivered = true));
    await observer.room.localParticipant!.publishData(new TextEncoder().encode('hello from observer'), {
      reliable: true,
      topic: 'observer-attempt',
    });

    const fromMentor = nextData(theatre.room, 'guidance');
    await mentor.room.localParticipant!.publishData(new TextEncoder().encode('3 o’clock, move slowly right'), {
      reliable: true,
      topic: 'guidance',
    });
    const received = await fromMentor;
    expect(received.text).toBe('3 o’clock, move slowly right');
    expect(received.from?.identity).toBe(mentor.identity);

    // The server holds the observer to its grants: no data permission, and nothing it sent
    // arrives, even after a second mentor packet has made the round trip.
    const server = new RoomServiceClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
    const participants = await server.listParticipants(sessionId);
    const observerInfo = participants.find((p) => p.identity === observer.identity);
    expect(observerInfo?.permission?.canPublishData).toBe(false);
    expect(observerInfo?.permission?.canPublish).toBe(false);
    const second = nextData(theatre.room, 'guidance');
    await mentor.room.localParticipant!.publishData(new TextEncoder().encode('again'), { reliable: true, topic: 'guidance' });
    await second;
    expect(observerDelivered).toBe(false);
  });

  it('removing a member disconnects them from the live room at once', async () => {
    const host = await api.account('admin', 'Host 2');
    sessionId = await newSession(host.cookie, 'Live 2', 'Hernia repair');
    const observer = await join(host.cookie, 'observer', 'Wang Fang');
    const disconnected = new Promise<void>((resolve) => observer.room.once(RoomEvent.Disconnected, () => resolve()));

    const { livekitRooms } = await import('../src/livekit/rooms.ts');
    const realRooms = livekitRooms(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
    await realRooms.removeParticipant(sessionId, observer.identity);
    await disconnected;
    expect(observer.room.isConnected).toBe(false);
  });

  it('a join while the api is down is caught up from livekit-server once; the late webhook for it adds nothing', async () => {
    const host = await api.account('admin', 'Host 3');
    sessionId = await newSession(host.cookie, 'Live 3');
    const joinsAudited = async () =>
      (await api.db.select().from(auditLog).where(eq(auditLog.action, 'session.joined_room')).all())
        .filter((e) => e.sessionId === sessionId)
        .map((e) => [e.detail.identity, e.detail.role, e.detail.source]);

    await serveWebhooks();
    const theatre = await join(host.cookie, 'theatre', 'Dr. Wu');
    expect(await joinWebhook(theatre.identity).promise).toBe(true);

    // The api goes down; someone joins; livekit-server's delivery and its first retries are refused.
    await stopWebhooks();
    const observer = await join(host.cookie, 'observer', 'Zhao Lei');
    expect(await joinsAudited()).toEqual([[theatre.identity, 'theatre', 'webhook']]);

    // Back, the api asks livekit-server who is in the room.
    const realRooms = livekitRooms(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
    await catchUpJoins(api.db, realRooms);
    await catchUpJoins(api.db, realRooms);
    const caughtUp = [
      [theatre.identity, 'theatre', 'webhook'],
      [observer.identity, 'observer', 'catch-up'],
    ];
    expect(await joinsAudited()).toEqual(caughtUp);

    // livekit-server retries a failed delivery for about 15 s: this one now reaches the api, late.
    await serveWebhooks();
    expect(await joinWebhook(observer.identity).promise).toBe(false);
    expect(await joinsAudited()).toEqual(caughtUp);
  });
});

describe('what the server decided is what the room obeys', () => {
  /** A participant connected with a token the api gave earlier. */
  async function connectWith(token: string): Promise<Room> {
    const room = new Room();
    rooms.push(room);
    await room.connect(livekit.wsUrl, token, { autoSubscribe: false, dynacast: false });
    return room;
  }
  const server = () => new RoomServiceClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
  const inRoom = async (room: string, identity: string) =>
    (
      await server()
        .listParticipants(room)
        .catch(() => [])
    ).find((p) => p.identity === identity);

  it('a removed member, a demoted mentor and theatre after the end come back with the tokens they kept: out within 2 s, or in with the new role only', async () => {
    if (!webhookServer) await serveWebhooks();
    const host = await api.account('admin', 'Host 4');
    const id = await newSession(host.cookie, 'Revocation');
    const param = { id };
    const asHost = api.client(host.cookie).sessions[':id'];
    await ok(asHost.start.$post({ param }));
    const person = async (role: SessionRole, name: string) => {
      const p = await api.account(role === 'theatre' ? 'surgeon' : role === 'observer' ? 'trainee' : 'mentor', name);
      await ok(asHost.members.$post({ param, json: { email: p.user.email, role } }));
      const { token } = await ok(api.client(p.cookie).sessions[':id'].token.$post({ param, query: {} }));
      return { ...p, token };
    };
    const observer = await person('observer', 'Removed trainee');
    const mentor = await person('mentor', 'Demoted mentor');
    const theatre = await person('theatre', 'Theatre PC');

    // Removed while connected: out at once; back with the token kept: out again within 2 s.
    const first = await connectWith(observer.token);
    const gone = new Promise<void>((resolve) => first.once(RoomEvent.Disconnected, () => resolve()));
    await ok(asHost.members[':userId'].$delete({ param: { id, userId: observer.user.id } }));
    await gone;
    const again = await connectWith(observer.token);
    const back = Date.now();
    await expect.poll(() => again.isConnected, { timeout: 2000, interval: 50 }).toBe(false);
    console.log(`removed member back with an old token: out after ${Date.now() - back} ms`);

    // Demoted while connected: the room holds them to the new role at once, and again when
    // they come back with the mentor's token.
    const drawing = await connectWith(mentor.token);
    await ok(asHost.members.$post({ param, json: { email: mentor.user.email, role: 'observer' } }));
    await expect.poll(async () => (await inRoom(id, mentor.user.id))?.permission?.canPublishData, { timeout: 2000, interval: 50 }).toBe(false);
    expect((await inRoom(id, mentor.user.id))?.attributes.role).toBe('observer');
    await drawing.disconnect();
    await connectWith(mentor.token);
    await expect.poll(async () => (await inRoom(id, mentor.user.id))?.attributes.role, { timeout: 2000, interval: 50 }).toBe('observer');
    expect((await inRoom(id, mentor.user.id))?.permission?.canPublish).toBe(false);

    // The session ends: theatre is out, and its token from before cannot open the room again.
    const sending = await connectWith(theatre.token);
    const ended = new Promise<void>((resolve) => sending.once(RoomEvent.Disconnected, () => resolve()));
    await ok(asHost.end.$post({ param }));
    await ended;
    await expect(connectWith(theatre.token)).rejects.toThrow();
    expect((await server().listRooms([id])).length).toBe(0);
  });
});
