import { z } from '@hono/zod-openapi';
import { and, eq, ne } from 'drizzle-orm';
import {
  CAPTURE_ROLES,
  EXAM_START_ROLES,
  Exam,
  ExamList,
  ExamReport,
  Id,
  REVIEW_ROLES,
  STILL_TYPE,
  stillFile,
  SignExamBody,
  StartExamBody,
  Still,
  StillDrawings,
  VerdictBody,
  acceptsCapture,
  checklist,
  mayAct,
  type SessionRole,
  type User,
} from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { ApiError, conflict, forbidden, notFound } from '../http/errors.ts';
import { errors, json, jsonBody, router, taggedRoutes } from '../http/openapi.ts';
import { requireUser } from '../auth/require.ts';
import { exams, sessionMembers, stills } from '../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor } from '../audit/request.ts';
import { assertNotEnded, sessionFor } from '../sessions/access.ts';
import { canSeePatientImages } from '../sites/access.ts';
import { examInPublishedCase, inPublishedCase } from '../cases/case-stills.ts';
import { getSessionRow } from '../sessions/queries.ts';
import { serveStill } from './media.ts';
import { dicomUid } from './png.ts';
import { checkStill, recordingAt } from './still-upload.ts';
import { getExamRow, getStillRow, listExams, loadExam, protocolVersion, toStill } from './queries.ts';
import { examReport } from './report.ts';
import { latestProtocols } from '../protocols/queries.ts';

const SessionParam = z.object({ id: Id });
const ExamParam = z.object({ id: Id });
const StillParam = z.object({ id: Id });
const CaptureQuery = z.object({ view: z.string().regex(/^[a-z0-9_]{1,48}$/) });
const route = taggedRoutes('exams');

/**
 * Whether the caller's role in the session is one of `roles`. Capturing and reviewing are clinical
 * acts of the session's members: unlike other session actions, an admin's account does not stand in.
 */
const holds = (role: SessionRole | null, roles: readonly SessionRole[]) => !!role && roles.includes(role);

const start = route.post('/sessions/{id}/exams', 'Start a guided exam on a scan protocol (host, mentor, scan room)', {
  request: { params: SessionParam, ...jsonBody(StartExamBody) },
  responses: { 201: json(Exam, 'Started'), ...errors },
});

const list = route.get('/sessions/{id}/exams', "The session's exams with their stills", {
  request: { params: SessionParam },
  responses: { 200: json(ExamList, 'Exams'), ...errors },
});

const capture = route.post(
  '/exams/{id}/stills',
  "A still of a protocol view: the scan room's original pixels as PNG, with its SHA-256 in Content-Digest (scan room)",
  {
    request: {
      params: ExamParam,
      query: CaptureQuery,
      headers: z.object({ 'content-digest': z.string().max(200).optional() }),
      body: { content: { [STILL_TYPE]: { schema: z.string().meta({ format: 'binary' }) } }, required: true },
    },
    responses: { 200: json(Still, 'Kept already: the same image sent again for the view'), 201: json(Still, 'Kept'), 413: errors[400], ...errors },
  },
);

const image = route.get('/stills/{id}/image', 'The still, byte for byte as captured', {
  request: { params: StillParam },
  responses: { 200: { content: { [STILL_TYPE]: { schema: z.string().meta({ format: 'binary' }) } }, description: 'The PNG' }, ...errors },
});

const verdict = route.post('/stills/{id}/verdict', 'Accept a still with a score, or ask for a retake with a reason (reviewer)', {
  request: { params: StillParam, ...jsonBody(VerdictBody) },
  responses: { 200: json(Still, 'Reviewed'), ...errors },
});

const drawings = route.put('/stills/{id}/drawings', "The reviewer's drawings on a still (reviewer)", {
  request: { params: StillParam, ...jsonBody(StillDrawings) },
  responses: { 200: json(Still, 'Saved'), ...errors },
});

const sign = route.post('/exams/{id}/sign', 'Sign the exam: no more stills or verdicts (reviewer)', {
  request: { params: ExamParam, ...jsonBody(SignExamBody) },
  responses: { 200: json(Exam, 'Signed'), ...errors },
});

const report = route.get('/exams/{id}/report', "The exam's QC report", {
  request: { params: ExamParam },
  responses: { 200: json(ExamReport, 'The report'), ...errors },
});

export function examRoutes({ db, rooms, media }: AppDeps) {
  /** Every page in the room fetches the exam again; a room nobody is in, or a LiveKit hiccup, must not fail the request. */
  const tellRoom = (sessionId: string, examId: string, stillId?: string, captured?: true) =>
    rooms
      .notifyExam(sessionId, { v: 1, examId, ...(stillId ? { stillId } : {}), ...(captured ? { captured } : {}) })
      .catch((err) => console.error(`exam notice to room ${sessionId} failed:`, err));

  /**
   * An exam's or still's row and the caller's standing in its session. Someone who may not see the
   * session is told the row is not found, as for one that does not exist (sessionFor).
   */
  async function inSession<Row extends { sessionId: string }>(row: Row | undefined, missing: ApiError, user: User) {
    if (!row) throw missing;
    const access = await sessionFor(db, row.sessionId, user).catch(() => {
      throw missing;
    });
    return { row, access };
  }
  const examFor = async (id: string, user: User) => inSession(await getExamRow(db, id), notFound('Exam', { type: 'exam', id }), user);
  const stillFor = async (id: string, user: User) => inSession(await getStillRow(db, id), notFound('Still', { type: 'still', id }), user);

  /** The still an upload of these bytes for the view already is, unless it was sent back for a retake. */
  const keptStill = async (examId: string, viewKey: string, sha256: string) =>
    (
      await db
        .select()
        .from(stills)
        .where(and(eq(stills.examId, examId), eq(stills.viewKey, viewKey), eq(stills.sha256, sha256), ne(stills.verdict, 'retake')))
    )[0];

  return router()
    .openapi(start, async (c) => {
      const user = requireUser(c);
      const { id } = c.req.valid('param');
      const access = await sessionFor(db, id, user);
      if (!mayAct(user.role, access.role, EXAM_START_ROLES))
        throw forbidden('Only the host, a mentor or the scan room can start an exam', { type: 'session', id });
      assertNotEnded(access);
      const body = c.req.valid('json');
      const version = body.protocolVersion ?? (await latestProtocols(db)).find((p) => p.key === body.protocolKey)?.version;
      const protocol = version ? await protocolVersion(db, body.protocolKey, version) : undefined;
      if (!protocol) throw new ApiError(400, 'invalid_request', 'No such scan protocol');
      const [scanRoom] = await db
        .select({ userId: sessionMembers.userId })
        .from(sessionMembers)
        .where(and(eq(sessionMembers.sessionId, id), eq(sessionMembers.role, 'theatre')));
      const examId = crypto.randomUUID();
      const [row] = await db
        .insert(exams)
        .values({
          id: examId,
          sessionId: id,
          protocolKey: protocol.key,
          protocolVersion: protocol.version,
          siteId: access.session.siteId,
          sonographerId: access.role === 'theatre' ? user.id : (scanRoom?.userId ?? null),
          patient: body.patient,
          studyUid: dicomUid(),
          seriesUid: dicomUid(),
          startedBy: user.id,
          startedAt: new Date(),
        })
        .returning();
      const detail = { protocol: `${protocol.key}@${protocol.version}`, deidentified: body.patient === null };
      await recordAudit(db, { ...requestActor(c), action: 'exam.started', targetType: 'exam', targetId: examId, sessionId: id, detail });
      await tellRoom(id, examId);
      return c.json(await loadExam(db, row!), 201);
    })
    .openapi(list, async (c) => {
      const { id } = c.req.valid('param');
      await sessionFor(db, id, requireUser(c));
      return c.json({ exams: await listExams(db, id) }, 200);
    })
    .openapi(capture, async (c) => {
      const user = requireUser(c);
      const { id } = c.req.valid('param');
      const { view: viewKey } = c.req.valid('query');
      const { row: exam, access } = await examFor(id, user);
      // Stills are the scan room's own pixels: nobody else's upload is one, an admin's neither.
      if (!holds(access.role, CAPTURE_ROLES)) throw forbidden('Only the scan room captures stills', { type: 'exam', id });
      const refuse = async (status: 400 | 409 | 413, reason: string, message: string) => {
        const detail = { view: viewKey, reason };
        await recordAudit(db, { ...requestActor(c), action: 'still.refused', targetType: 'exam', targetId: id, sessionId: exam.sessionId, detail });
        return status === 409 ? conflict(reason as 'exam_closed' | 'view_closed', message) : new ApiError(status, 'invalid_request', message);
      };
      const bytes = Buffer.from(await c.req.arrayBuffer());
      const checked = checkStill(bytes, c.req.header('content-digest'));
      if ('refused' in checked) throw await refuse(checked.refused.status, checked.refused.reason, checked.refused.message);
      const { sha256, width, height } = checked;
      // A page that retries an upload whose answer it lost sends the same bytes again: that is the
      // still already kept, not a second image of the view (issue 15). Checked before the view's
      // state, which the first upload may have closed. A still sent back for a retake takes a new
      // capture even of the same pixels: the reviewer asked for another image and judges it again.
      const kept = await keptStill(id, viewKey, sha256);
      if (kept) return c.json(toStill(kept), 200);
      if (exam.status !== 'running') throw await refuse(409, 'exam_closed', 'This exam is closed');
      const protocol = (await protocolVersion(db, exam.protocolKey, exam.protocolVersion))!;
      const progress = checklist(protocol, (await loadExam(db, exam)).stills).views.find((p) => p.view.key === viewKey);
      if (!progress) throw await refuse(400, 'unknown_view', `The protocol has no view "${viewKey}"`);
      if (!acceptsCapture(progress)) throw await refuse(409, 'view_closed', 'This view has all the images it takes');

      const stillId = crypto.randomUUID();
      await media.writeLocal(stillFile(stillId), bytes);
      const now = new Date();
      const [row] = await db
        .insert(stills)
        .values({
          id: stillId,
          sessionId: exam.sessionId,
          examId: id,
          viewKey,
          kind: 'capture',
          sha256,
          width,
          height,
          bytes: bytes.length,
          capturedBy: user.id,
          capturedAt: now,
          ...(await recordingAt(db, exam.sessionId, now)),
          sopInstanceUid: dicomUid(),
        })
        // The same bytes for the view arriving twice at once: both passed the look-up above, and
        // the unique index (stills_once_idx) keeps the first. The other is the same replay.
        .onConflictDoNothing()
        .returning();
      if (!row) {
        await media.remove(stillFile(stillId)).catch((err) => console.error(`removing the duplicate still ${stillId} failed:`, err));
        return c.json(toStill((await keptStill(id, viewKey, sha256))!), 200);
      }
      media.storeInBackground(stillFile(stillId));
      if (!exam.sonographerId) await db.update(exams).set({ sonographerId: user.id }).where(eq(exams.id, id));
      // The reviewer hears of the still as soon as the exam they fetch has it; the audit entry is
      // written meanwhile (the capture's answer still waits for it).
      const told = tellRoom(exam.sessionId, id, stillId, true);
      const detail = { exam: id, view: viewKey, sha256, width, height };
      await recordAudit(db, { ...requestActor(c), action: 'still.captured', targetType: 'still', targetId: stillId, sessionId: exam.sessionId, detail });
      await told;
      return c.json(toStill(row!), 201);
    })
    .openapi(image, async (c) => {
      const { id } = c.req.valid('param');
      const still = await getStillRow(db, id);
      // Seen like the case it is in: by whoever sees the session's patient images, and by
      // everyone once that case is published.
      const published = !!still && (await inPublishedCase(db, still));
      if (!still || !(await canSeePatientImages(db, requireUser(c), still.sessionId, published))) throw notFound('Still', { type: 'still', id });
      return serveStill(media, still.id);
    })
    .openapi(verdict, async (c) => {
      const user = requireUser(c);
      const { id } = c.req.valid('param');
      const { row: still, access } = await stillFor(id, user);
      if (!holds(access.role, REVIEW_ROLES)) throw forbidden('Only a reviewer (mentor) of this session gives verdicts', { type: 'still', id });
      const exam = still.examId ? await getExamRow(db, still.examId) : undefined;
      if (!exam || exam.status !== 'running') throw conflict('exam_closed', 'This exam is closed');
      if (still.verdict !== 'pending') throw conflict('still_reviewed', 'This still has been reviewed already');
      const body = c.req.valid('json');
      const accepted = body.verdict === 'accepted';
      const now = new Date();
      const [row] = await db
        .update(stills)
        .set({
          verdict: body.verdict,
          score: body.score,
          reason: accepted ? null : body.reason,
          comment: body.comment,
          verdictBy: user.id,
          verdictAt: now,
          // Accepted stills go to the site's PACS (api/src/pacs/ sends them).
          ...(accepted ? { pacsState: 'queued' as const, pacsNextAt: now } : {}),
        })
        .where(and(eq(stills.id, id), eq(stills.verdict, 'pending')))
        .returning();
      if (!row) throw conflict('still_reviewed', 'This still has been reviewed already');
      const detail = { verdict: body.verdict, score: body.score, ...(accepted ? {} : { reason: body.reason }) };
      await recordAudit(db, { ...requestActor(c), action: 'still.verdict', targetType: 'still', targetId: id, sessionId: still.sessionId, detail });
      await tellRoom(still.sessionId, exam.id, id);
      return c.json(toStill(row), 200);
    })
    .openapi(drawings, async (c) => {
      const user = requireUser(c);
      const { id } = c.req.valid('param');
      const { row: still, access } = await stillFor(id, user);
      if (!holds(access.role, REVIEW_ROLES)) throw forbidden('Only a reviewer (mentor) of this session draws on stills', { type: 'still', id });
      const { ops } = c.req.valid('json');
      const [row] = await db.update(stills).set({ drawings: ops }).where(eq(stills.id, id)).returning();
      const detail = { ops: ops.length };
      await recordAudit(db, { ...requestActor(c), action: 'still.drawn', targetType: 'still', targetId: id, sessionId: still.sessionId, detail });
      if (still.examId) await tellRoom(still.sessionId, still.examId, id);
      return c.json(toStill(row!), 200);
    })
    .openapi(sign, async (c) => {
      const user = requireUser(c);
      const { id } = c.req.valid('param');
      const { row: exam, access } = await examFor(id, user);
      if (!holds(access.role, REVIEW_ROLES)) throw forbidden('Only a reviewer (mentor) of this session signs the exam', { type: 'exam', id });
      const { comment } = c.req.valid('json');
      const [row] = await db
        .update(exams)
        .set({ status: 'signed', signedBy: user.id, signedAt: new Date(), comment })
        .where(and(eq(exams.id, id), eq(exams.status, 'running')))
        .returning();
      if (!row) throw conflict('exam_closed', 'This exam is closed');
      await recordAudit(db, { ...requestActor(c), action: 'exam.signed', targetType: 'exam', targetId: id, sessionId: exam.sessionId, detail: {} });
      await tellRoom(exam.sessionId, id);
      return c.json(await loadExam(db, row), 200);
    })
    .openapi(report, async (c) => {
      const { id } = c.req.valid('param');
      // The report shows the stills: whoever may see them (members, and everyone once a case holding them is published).
      const exam = await getExamRow(db, id);
      const session = exam && (await getSessionRow(db, exam.sessionId));
      const published = !!exam && (await examInPublishedCase(db, exam.id));
      if (!exam || !session || !(await canSeePatientImages(db, requireUser(c), exam.sessionId, published))) throw notFound('Exam', { type: 'exam', id });
      return c.json(await examReport(db, exam, session), 200);
    });
}
