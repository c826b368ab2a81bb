/**
 * A mentor's freeze frames, archived: when a mentor freezes the picture, their page also sends
 * the frozen frame as a lossless PNG. It is kept as a still of kind `freeze` (no exam, no view),
 * placed on the recording like an exam's still, and shown in the case's gallery.
 */
import { z } from '@hono/zod-openapi';
import { Id, REVIEW_ROLES, STILL_TYPE, Still } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { ApiError, forbidden } from '../http/errors.ts';
import { errors, json, router, taggedRoutes } from '../http/openapi.ts';
import { requireUser } from '../auth/require.ts';
import { stills } from '../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor } from '../audit/request.ts';
import { assertNotEnded, sessionFor } from '../sessions/access.ts';
import { dicomUid } from './png.ts';
import { toStill } from './queries.ts';
import { checkStill, recordingAt, storeStill } from './still-upload.ts';

const route = taggedRoutes('exams');

const upload = route.post('/{id}/freeze-stills', 'A frozen frame as PNG, with its SHA-256 in Content-Digest (mentor)', {
  request: {
    params: z.object({ id: Id }),
    headers: z.object({ 'content-digest': z.string().max(200).optional() }),
    body: { content: { [STILL_TYPE]: { schema: z.string().meta({ format: 'binary' }) } }, required: true },
  },
  responses: { 201: json(Still, 'Kept'), 413: errors[400], ...errors },
});

export function freezeRoutes({ db, rooms, media }: AppDeps) {
  return router().openapi(upload, async (c) => {
    const user = requireUser(c);
    const { id } = c.req.valid('param');
    const access = await sessionFor(db, id, user);
    // The mentor's own act, as with verdicts: an admin's account does not stand in.
    if (!access.role || !REVIEW_ROLES.includes(access.role)) throw forbidden('Only a mentor of this session archives freeze frames', { type: 'session', id });
    assertNotEnded(access);
    const bytes = Buffer.from(await c.req.arrayBuffer());
    const checked = checkStill(bytes, c.req.header('content-digest'));
    if ('refused' in checked) {
      const { status, reason, message } = checked.refused;
      const detail = { kind: 'freeze', reason };
      await recordAudit(db, { ...requestActor(c), action: 'still.refused', targetType: 'session', targetId: id, sessionId: id, detail });
      throw new ApiError(status, 'invalid_request', message);
    }
    const stillId = crypto.randomUUID();
    await storeStill(media, stillId, bytes);
    const now = new Date();
    const [row] = await db
      .insert(stills)
      .values({
        id: stillId,
        sessionId: id,
        examId: null,
        viewKey: null,
        kind: 'freeze',
        sha256: checked.sha256,
        width: checked.width,
        height: checked.height,
        bytes: bytes.length,
        capturedBy: user.id,
        capturedAt: now,
        ...(await recordingAt(db, id, now)),
        sopInstanceUid: dicomUid(),
      })
      .returning();
    const detail = { kind: 'freeze', sha256: checked.sha256, width: checked.width, height: checked.height };
    await recordAudit(db, { ...requestActor(c), action: 'still.captured', targetType: 'still', targetId: stillId, sessionId: id, detail });
    // The recorder marks it on the case's timeline; a room nobody is in must not fail the upload.
    await rooms.notifyExam(id, { v: 1, examId: null, stillId, captured: true }).catch((err) => console.error(`freeze still notice to room ${id} failed:`, err));
    return c.json(toStill(row!), 201);
  });
}
