import { z } from '@hono/zod-openapi';
import { and, eq, ne } from 'drizzle-orm';
import { BindVitalsBody, DEFAULT_VITALS_LIMITS, Id, SessionVitals, VITALS_ROLES, VITALS_VERSION, VitalsLimits, mayAct, type User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { liveSessions, sessionVitals } from '../db/schema.ts';
import { conflict, forbidden } from '../http/errors.ts';
import { errors, json, jsonBody, router, taggedRoutes } from '../http/openapi.ts';
import { requireUser } from '../auth/require.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor } from '../audit/request.ts';
import { assertNotEnded, sessionFor } from '../sessions/access.ts';
import type { RoomControl } from '../livekit/rooms.ts';
import type { VitalsHub } from './hub.ts';

const SessionParam = z.object({ id: Id });
const route = taggedRoutes('vitals');

const read = route.get('/sessions/{id}/vitals', "The session's monitor, alarm limits and the last ten minutes of values", {
  request: { params: SessionParam },
  responses: { 200: json(SessionVitals, 'Vitals'), ...errors },
});

const bind = route.post('/sessions/{id}/vitals-source', 'Bind a patient monitor (bed PV1-3 or device EUI-64) to the session (host, mentor)', {
  request: { params: SessionParam, ...jsonBody(BindVitalsBody) },
  responses: { 200: json(SessionVitals, 'Bound'), ...errors },
});

const unbind = route.delete('/sessions/{id}/vitals-source', "Unbind the session's monitor (host, mentor)", {
  request: { params: SessionParam },
  responses: { 200: json(SessionVitals, 'Unbound'), ...errors },
});

const setLimits = route.put('/sessions/{id}/vitals-limits', "The session's alarm limits, every parameter (host, mentor)", {
  request: { params: SessionParam, ...jsonBody(VitalsLimits) },
  responses: { 200: json(SessionVitals, 'Saved'), ...errors },
});

export function vitalsRoutes({ db, rooms, vitals }: { db: Db; rooms: RoomControl; vitals: VitalsHub }) {
  async function current(sessionId: string): Promise<SessionVitals> {
    const [row] = await db.select().from(sessionVitals).where(eq(sessionVitals.sessionId, sessionId));
    return { v: VITALS_VERSION, deviceId: row?.deviceId ?? null, limits: row?.limits ?? DEFAULT_VITALS_LIMITS, history: vitals.historyOf(sessionId) };
  }

  /** The session, if the caller may change its monitor or limits. */
  async function asEditor(id: string, user: User) {
    const access = await sessionFor(db, id, user);
    if (!mayAct(user.role, access.role, VITALS_ROLES)) throw forbidden("Only the host or a mentor sets the session's monitor", { type: 'session', id });
    return access;
  }

  return router()
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      await sessionFor(db, id, requireUser(c));
      return c.json(await current(id), 200);
    })
    .openapi(bind, async (c) => {
      const user = requireUser(c);
      const { id } = c.req.valid('param');
      assertNotEnded(await asEditor(id, user));
      const { deviceId } = c.req.valid('json');
      const [holder] = await db
        .select({ sessionId: sessionVitals.sessionId, status: liveSessions.status })
        .from(sessionVitals)
        .innerJoin(liveSessions, eq(liveSessions.id, sessionVitals.sessionId))
        .where(and(eq(sessionVitals.deviceId, deviceId), ne(sessionVitals.sessionId, id)));
      if (holder && holder.status !== 'ended') throw conflict('device_bound', 'This monitor feeds another session; unbind it there first');
      // A session that has ended lets go of its monitor.
      if (holder) await db.update(sessionVitals).set({ deviceId: null }).where(eq(sessionVitals.sessionId, holder.sessionId));
      const [before] = await db.select({ deviceId: sessionVitals.deviceId }).from(sessionVitals).where(eq(sessionVitals.sessionId, id));
      const bound = { deviceId, boundBy: user.id, boundAt: new Date() };
      await db
        .insert(sessionVitals)
        .values({ sessionId: id, ...bound })
        .onConflictDoUpdate({ target: sessionVitals.sessionId, set: bound });
      if (before?.deviceId !== deviceId) vitals.forget(id, before?.deviceId ?? null);
      await recordAudit(db, { ...requestActor(c), action: 'vitals.bound', targetType: 'session', targetId: id, sessionId: id, detail: { deviceId } });
      return c.json(await current(id), 200);
    })
    .openapi(unbind, async (c) => {
      const { id } = c.req.valid('param');
      await asEditor(id, requireUser(c));
      const [before] = await db.select({ deviceId: sessionVitals.deviceId }).from(sessionVitals).where(eq(sessionVitals.sessionId, id));
      await db.update(sessionVitals).set({ deviceId: null, boundBy: null, boundAt: null }).where(eq(sessionVitals.sessionId, id));
      vitals.forget(id, before?.deviceId ?? null);
      const detail = { deviceId: before?.deviceId ?? null };
      await recordAudit(db, { ...requestActor(c), action: 'vitals.unbound', targetType: 'session', targetId: id, sessionId: id, detail });
      return c.json(await current(id), 200);
    })
    .openapi(setLimits, async (c) => {
      const { id } = c.req.valid('param');
      await asEditor(id, requireUser(c));
      const limits = c.req.valid('json');
      await db.insert(sessionVitals).values({ sessionId: id, limits }).onConflictDoUpdate({ target: sessionVitals.sessionId, set: { limits } });
      await recordAudit(db, { ...requestActor(c), action: 'vitals.limits', targetType: 'session', targetId: id, sessionId: id, detail: { limits } });
      // Every open page colours its strip by the new limits at once.
      await rooms
        .sendVitals(id, { v: VITALS_VERSION, t: Date.now(), values: {}, limits })
        .catch((err) => console.error(`vitals limits to room ${id} failed:`, err));
      return c.json(await current(id), 200);
    });
}
