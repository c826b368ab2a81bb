import { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { DicomUid, ErrorBody, Id, PRIORS_TIMEOUT_MS, PriorInstances, PriorSeriesList, PriorStudies, RenderedQuery, type User } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { sites } from '../db/schema.ts';
import { conflict, notFound } from '../http/errors.ts';
import { errors, json, router, taggedRoutes } from '../http/openapi.ts';
import { requireUser } from '../auth/require.ts';
import { memberOf } from '../patient/access.ts';
import { bannerOf } from '../patient/banners.ts';
import { findInstances, findSeries, findStudies, renderInstance, studyOfPatient, type Pacs } from './dicomweb.ts';

const route = taggedRoutes('priors');
const SessionParam = z.object({ id: Id });
const StudyParam = SessionParam.extend({ study: DicomUid });
const SeriesParam = StudyParam.extend({ series: DicomUid });
const InstanceParam = SeriesParam.extend({ sop: DicomUid });
const pacsErrors = { ...errors, 502: json(ErrorBody, 'The PACS cannot be reached or failed'), 504: json(ErrorBody, 'The PACS did not answer in time') };

const studies = route.get('/sessions/{id}/priors', "The session patient's studies on the site's PACS, by the banner's MRN (QIDO-RS; members only)", {
  request: { params: SessionParam },
  responses: { 200: json(PriorStudies, 'Studies, newest first'), ...pacsErrors },
});

const series = route.get('/sessions/{id}/priors/{study}/series', "A prior study's series (QIDO-RS; members only)", {
  request: { params: StudyParam },
  responses: { 200: json(PriorSeriesList, 'Series'), ...pacsErrors },
});

const instances = route.get('/sessions/{id}/priors/{study}/series/{series}/instances', "A prior series' images in slice order (QIDO-RS; members only)", {
  request: { params: SeriesParam },
  responses: { 200: json(PriorInstances, 'Images'), ...pacsErrors },
});

const rendered = route.get(
  '/sessions/{id}/priors/{study}/series/{series}/instances/{sop}/rendered',
  'One prior image rendered by the PACS as PNG in a window preset (WADO-RS; members only)',
  {
    request: { params: InstanceParam, query: RenderedQuery },
    responses: { 200: { content: { 'image/png': { schema: z.string().meta({ format: 'binary' }) } }, description: 'The PNG' }, ...pacsErrors },
  },
);

/** How long a study checked to be the patient's stays checked: a viewer fetches many images of it. */
const CHECKED_FOR_MS = 5 * 60_000;

/**
 * Prior imaging of the session's patient, through the api: the session's site's PACS is asked
 * only for the patient of the session's banner (their MRN as PatientID), and every series and
 * image asked for must belong to one of that patient's studies.
 */
export function priorsRoutes({ db, dicomwebUrl, timeoutMs = PRIORS_TIMEOUT_MS }: { db: Db; dicomwebUrl: string | undefined; timeoutMs?: number }) {
  /** `${pacs}|${mrn}|${study}` → when the check was made. */
  const checked = new Map<string, number>();

  /** The session's PACS and patient, if the caller is a member and both are known. */
  async function context(id: string, user: User, signal: AbortSignal): Promise<{ pacs: Pacs; mrn: string }> {
    const { session } = await memberOf(db, id, user);
    const site = session.siteId ? await db.select({ url: sites.dicomwebUrl }).from(sites).where(eq(sites.id, session.siteId)).get() : undefined;
    const base = site?.url ?? dicomwebUrl;
    if (!base) throw conflict('no_pacs', "This session's site has no PACS configured");
    const banner = await bannerOf(db, id);
    if (!banner) throw conflict('no_patient', 'No patient is known for this session yet: the bed has sent no ADT');
    return { pacs: { base, timeoutMs, signal }, mrn: banner.mrn };
  }

  async function checkStudy(pacs: Pacs, mrn: string, study: string) {
    const key = `${pacs.base}|${mrn}|${study}`;
    const at = checked.get(key);
    if (at !== undefined && Date.now() - at < CHECKED_FOR_MS) return;
    if (!(await studyOfPatient(pacs, mrn, study))) throw notFound('Study');
    if (checked.size > 10_000) checked.clear();
    checked.set(key, Date.now());
  }

  return router()
    .openapi(studies, async (c) => {
      const { id } = c.req.valid('param');
      const { pacs, mrn } = await context(id, requireUser(c), c.req.raw.signal);
      return c.json({ mrn, studies: await findStudies(pacs, mrn) }, 200);
    })
    .openapi(series, async (c) => {
      const { id, study } = c.req.valid('param');
      const { pacs, mrn } = await context(id, requireUser(c), c.req.raw.signal);
      await checkStudy(pacs, mrn, study);
      return c.json({ series: await findSeries(pacs, study) }, 200);
    })
    .openapi(instances, async (c) => {
      const { id, study, series } = c.req.valid('param');
      const { pacs, mrn } = await context(id, requireUser(c), c.req.raw.signal);
      await checkStudy(pacs, mrn, study);
      return c.json({ instances: await findInstances(pacs, study, series) }, 200);
    })
    .openapi(rendered, async (c) => {
      const { id, study, series, sop } = c.req.valid('param');
      const { window } = c.req.valid('query');
      const { pacs, mrn } = await context(id, requireUser(c), c.req.raw.signal);
      await checkStudy(pacs, mrn, study);
      const png = await renderInstance(pacs, { studyUid: study, seriesUid: series, sopUid: sop }, window);
      // Patient images: kept by this browser only, as long as the session's page is open.
      return c.body(png, 200, { 'content-type': 'image/png', 'cache-control': 'private, max-age=300' });
    });
}
