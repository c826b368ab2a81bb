import { z } from '@hono/zod-openapi';
import { Id, SessionPatient } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { errors, json, router, taggedRoutes } from '../http/openapi.ts';
import { requireUser } from '../auth/require.ts';
import { memberOf } from './access.ts';
import { bannerOf } from './banners.ts';

const route = taggedRoutes('patient');

const read = route.get('/sessions/{id}/patient', "The session's patient banner from the bed's last HL7 ADT (members only)", {
  request: { params: z.object({ id: Id }) },
  responses: { 200: json(SessionPatient, 'The banner, or null before any ADT'), ...errors },
});

export function patientRoutes({ db }: { db: Db }) {
  return router().openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    await memberOf(db, id, requireUser(c));
    return c.json({ banner: await bannerOf(db, id) }, 200);
  });
}
