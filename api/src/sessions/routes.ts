import { z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { CreateSessionBody, Id, InviteBody, LiveSession, OverlayRequestBody, ROLES_THAT_SCHEDULE, SessionList, SessionToken } from '@loupe/protocol';
import type { RouteDeps } from '../http/context.ts';
import { ApiError, conflict, forbidden, notFound } from '../http/errors.ts';
import { errors, errorsOf, json, jsonBody, rateLimited, router, taggedRoutes } from '../http/openapi.ts';
import { perUserLimit } from '../http/rate-limit.ts';
import { requireGlobalRole, requireUser } from '../auth/require.ts';
import { liveSessions, sessionMembers, users } from '../db/schema.ts';
import { mintRoomToken } from '../livekit/token.ts';
import { livekitNodes } from '../livekit/nodes.ts';
import { readmitUser } from '../livekit/admission.ts';
import { assertNotEnded, markLive, sessionAsHost, sessionFor, sessionToJoin, startsSession } from './access.ts';
import { listSessionsFor, loadLiveSession, overlayHolders, roleIn } from './queries.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor } from '../audit/request.ts';
import { applyStep } from '../recordings/routes.ts';
import { latestRecording } from '../recordings/queries.ts';
import { isCapturing } from '../recordings/lifecycle.ts';
import { assertSitesExist } from '../sites/queries.ts';

const SessionParam = z.object({ id: Id });
/** Overlay requests a person may make: a few at once (a page and its reconnects), a dozen a minute. */
const OVERLAY_REQUESTS = { perMinute: 12, burst: 4 };
const TokenQuery = z.object({ display: z.enum(['true', 'false']).optional() });
const MemberParam = z.object({ id: Id, userId: Id });
const route = taggedRoutes('sessions');

const list = route.get('/', 'Sessions I am invited to (all sessions for an admin)', { responses: { 200: json(SessionList, 'Sessions'), ...errorsOf(401) } });

const create = route.post('/', 'Schedule a live session; the creator becomes its host', {
  request: jsonBody(CreateSessionBody),
  responses: { 201: json(LiveSession, 'Scheduled'), ...errorsOf(400, 401, 403) },
});

const get = route.get('/{id}', 'One session with its members', {
  request: { params: SessionParam },
  responses: { 200: json(LiveSession, 'The session'), ...errors },
});

const invite = route.post('/{id}/members', 'Invite someone by email with a session role, or change their role (host)', {
  request: { params: SessionParam, ...jsonBody(InviteBody) },
  responses: { 200: json(LiveSession, 'Updated session'), ...errors },
});

const removeMember = route.delete('/{id}/members/{userId}', 'Remove someone from the session and from its live room at once (host)', {
  request: { params: MemberParam },
  responses: { 200: json(LiveSession, 'Updated session'), ...errors },
});

const start = route.post('/{id}/start', 'Mark the session live (host)', {
  request: { params: SessionParam },
  responses: { 200: json(LiveSession, 'Live'), ...errors },
});

const end = route.post('/{id}/end', 'End the session and close its live room (host)', {
  request: { params: SessionParam },
  responses: { 200: json(LiveSession, 'Ended'), ...errors },
});

const resync = route.post('/{id}/overlay-request', 'Ask the overlay holders in the live room to send me the whole current overlay', {
  request: { params: SessionParam, ...jsonBody(OverlayRequestBody) },
  responses: { 202: { description: 'Asked' }, ...errors, 429: rateLimited },
});

const token = route.post('/{id}/token', 'A short-lived LiveKit token whose grants follow my role in this session (display=true: watch only)', {
  request: { params: SessionParam, query: TokenQuery },
  responses: { 200: json(SessionToken, 'Token'), ...errors, 429: rateLimited },
});

// The database change stands even when livekit-server cannot be reached: the person can no
// longer get a token, and an ended room empties when its last participant leaves.
function logRoomFailure(action: string, room: string, err: unknown) {
  console.error(`livekit: could not ${action} in room ${room}:`, err instanceof Error ? err.message : err);
}

export function sessionRoutes(deps: RouteDeps) {
  const { db, config, rooms, counters } = deps;
  const nodes = livekitNodes(config.livekit.nodes ?? [config.livekit.publicUrl]);
  const limitTokens = perUserLimit(counters, config.rateLimits.tokens, 'token requests');
  // A page asks for the overlay when it joins and after each reconnect; each ask makes every
  // holder upload a whole snapshot, so a page asking in a loop would load them all.
  const limitOverlayRequests = perUserLimit(counters, OVERLAY_REQUESTS, 'overlay requests');
  return router()
    .openapi(list, async (c) => c.json({ sessions: await listSessionsFor(db, requireUser(c)) }, 200))
    .openapi(create, async (c) => {
      const user = requireGlobalRole(c, ROLES_THAT_SCHEDULE);
      const body = c.req.valid('json');
      await assertSitesExist(db, [body.siteId, body.reviewSiteId]);
      const id = crypto.randomUUID();
      await db.batch([
        db.insert(liveSessions).values({ id, ...body, scheduledAt: new Date(body.scheduledAt), createdBy: user.id }),
        db.insert(sessionMembers).values({ sessionId: id, userId: user.id, role: 'host', invitedBy: user.id }),
      ]);
      const { session } = await sessionFor(db, id, user);
      return c.json(await loadLiveSession(db, session, user), 201);
    })
    .openapi(get, async (c) => {
      const user = requireUser(c);
      const { session } = await sessionFor(db, c.req.valid('param').id, user);
      return c.json(await loadLiveSession(db, session, user), 200);
    })
    .openapi(invite, async (c) => {
      const user = requireUser(c);
      const access = await sessionAsHost(db, c.req.valid('param').id, user);
      assertNotEnded(access);
      const { email, role } = c.req.valid('json');
      const invitee = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
      if (!invitee) throw new ApiError(404, 'not_found', 'No account has this email; an administrator can create one');
      if (invitee.id === user.id && role !== 'host' && access.role === 'host') {
        throw conflict('own_host_role', 'You cannot change your own host role');
      }
      const previous = await roleIn(db, access.session.id, invitee.id);
      await db
        .insert(sessionMembers)
        .values({ sessionId: access.session.id, userId: invitee.id, role, invitedBy: user.id })
        .onConflictDoUpdate({ target: [sessionMembers.sessionId, sessionMembers.userId], set: { role } });
      if (previous !== role) {
        // In the room now with the old role's token: the new role applies at once.
        if (previous) await readmitUser(db, rooms, access.session.id, invitee.id).catch((err) => logRoomFailure('change a role', access.session.id, err));
        await recordAudit(db, {
          ...requestActor(c),
          action: previous ? 'session.member_role_changed' : 'session.member_added',
          targetType: 'user',
          targetId: invitee.id,
          sessionId: access.session.id,
          detail: previous ? { email, from: previous, to: role } : { email, role },
        });
      }
      return c.json(await loadLiveSession(db, access.session, user), 200);
    })
    .openapi(removeMember, async (c) => {
      const user = requireUser(c);
      const { id, userId } = c.req.valid('param');
      const access = await sessionAsHost(db, id, user);
      if (userId === user.id) throw conflict('remove_self', 'You cannot remove yourself as host');
      const removed = await db
        .delete(sessionMembers)
        .where(and(eq(sessionMembers.sessionId, id), eq(sessionMembers.userId, userId)))
        .returning({ role: sessionMembers.role });
      if (removed.length === 0) throw notFound('Member');
      // Out of the room at once, their display-only screens too, whatever token they hold.
      await readmitUser(db, rooms, id, userId).catch((err) => logRoomFailure('remove participant', id, err));
      const detail = { role: removed[0]!.role };
      await recordAudit(db, { ...requestActor(c), action: 'session.member_removed', targetType: 'user', targetId: userId, sessionId: id, detail });
      return c.json(await loadLiveSession(db, access.session, user), 200);
    })
    .openapi(start, async (c) => {
      const user = requireUser(c);
      const access = await sessionAsHost(db, c.req.valid('param').id, user);
      assertNotEnded(access);
      const session = await markLive(db, access, requestActor(c), 'start');
      return c.json(await loadLiveSession(db, session, user), 200);
    })
    .openapi(end, async (c) => {
      const user = requireUser(c);
      const access = await sessionAsHost(db, c.req.valid('param').id, user);
      assertNotEnded(access);
      // A recording still running is stopped first, so that it becomes a case like any other.
      const recording = await latestRecording(db, access.session.id);
      if (recording && isCapturing(recording.status)) {
        await applyStep(deps, access.session.id, user, 'stop', requestActor(c));
      }
      const [session] = await db.update(liveSessions).set({ status: 'ended', endedAt: new Date() }).where(eq(liveSessions.id, access.session.id)).returning();
      await rooms.closeRoom(access.session.id).catch((err) => logRoomFailure('close room', access.session.id, err));
      return c.json(await loadLiveSession(db, session ?? access.session, user), 200);
    })
    .openapi(token, async (c) => {
      const user = requireUser(c);
      await limitTokens(user);
      const access = await sessionToJoin(db, c.req.valid('param').id, user);
      const displayOnly = c.req.valid('query').display === 'true';
      // The host or theatre in the room: the session is happening, whatever the schedule said.
      if (!displayOnly && startsSession(access.role)) await markLive(db, access, requestActor(c), 'joined');
      // livekit-server opens no room by itself: the api opens it for a session that is on.
      await rooms.openRoom(access.session.id).catch((err) => {
        logRoomFailure('open the room', access.session.id, err);
        throw new ApiError(503, 'internal', 'The live video server cannot be reached');
      });
      const url = await nodes.pick();
      if (!url) throw new ApiError(503, 'internal', 'The live video server cannot be reached');
      const { token, identity, expiresAt } = await mintRoomToken(config.livekit, access.session.id, user, access.role, {
        displayOnly,
      });
      await recordAudit(db, {
        ...requestActor(c),
        action: 'session.token',
        targetType: 'session',
        targetId: access.session.id,
        sessionId: access.session.id,
        detail: { role: access.role, displayOnly, identity },
      });
      return c.json(
        {
          token,
          url,
          failover: nodes.urls.length > 1,
          identity,
          role: access.role,
          expiresAt: expiresAt.toISOString(),
          serverTime: Date.now(),
        },
        200,
      );
    })
    .openapi(resync, async (c) => {
      const user = requireUser(c);
      await limitOverlayRequests(user);
      const access = await sessionToJoin(db, c.req.valid('param').id, user);
      // The identity must be the caller's own: their user id, or one of their display-only screens.
      const { identity } = c.req.valid('json');
      if (identity !== user.id && !identity.startsWith(`${user.id}:display:`)) {
        throw forbidden('Not your identity', { type: 'session', id: access.session.id });
      }
      const holders = await overlayHolders(db, access.session.id, identity);
      if (holders.length > 0) {
        await rooms.requestOverlay(access.session.id, identity, holders).catch((err) => logRoomFailure('request overlay', access.session.id, err));
      }
      return c.body(null, 202);
    });
}
