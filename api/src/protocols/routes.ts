import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { PROTOCOL_EDIT_ROLES, ProtocolBody, ProtocolList, REFERENCE_IMAGE_TYPES, ReferenceImage, StoredProtocol } from '@loupe/protocol';
import type { AppDeps } from '../http/context.ts';
import { ApiError, conflict, notFound } from '../http/errors.ts';
import { errors, errorsOf, json, jsonBody, router, taggedRoutes } from '../http/openapi.ts';
import { requireGlobalRole, requireUser } from '../auth/require.ts';
import { referenceImages, scanProtocols } from '../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import { requestActor } from '../audit/request.ts';
import { assertImagesKept, latestProtocols, protocolVersions, viewReferenceImage } from './queries.ts';
import { checkReferenceImage } from './reference-image.ts';

const KeyParam = z.object({ key: z.string().regex(/^[a-z0-9_-]{1,48}$/) });
const VersionParam = KeyParam.extend({ version: z.coerce.number().int().min(1) });
const route = taggedRoutes('protocols');

const list = route.get('/', 'The latest version of every scan protocol', { responses: { 200: json(ProtocolList, 'Protocols'), ...errorsOf(401) } });

const versions = route.get('/{key}', 'Every version of one protocol, newest first', {
  request: { params: KeyParam },
  responses: { 200: json(ProtocolList, 'Its versions'), ...errors },
});

const create = route.post('/', 'A new protocol, as its version 1 (QC leads, admins)', {
  request: jsonBody(ProtocolBody),
  responses: { 201: json(StoredProtocol, 'Created'), ...errors },
});

const newVersion = route.post('/{key}/versions', 'An edit of a protocol, as its next version; exams already run keep theirs (QC leads, admins)', {
  request: { params: KeyParam, ...jsonBody(ProtocolBody) },
  responses: { 201: json(StoredProtocol, 'The new version'), ...errors },
});

const change = route.put('/{key}/{version}', 'Correct a version no exam has used yet (QC leads, admins); one in use is refused', {
  request: { params: VersionParam, ...jsonBody(ProtocolBody) },
  responses: { 200: json(StoredProtocol, 'Corrected'), ...errors },
});

const upload = route.post(
  '/images',
  "A reference image for a protocol's view: PNG or JPEG, checked and decoded; a view then names it by id (QC leads, admins)",
  {
    request: {
      body: { content: Object.fromEntries(REFERENCE_IMAGE_TYPES.map((type) => [type, { schema: z.string().meta({ format: 'binary' }) }])), required: true },
    },
    responses: { 200: json(ReferenceImage, 'Kept already'), 201: json(ReferenceImage, 'Kept'), 413: errors[400], ...errors },
  },
);

const ViewParam = VersionParam.extend({ view: z.string().regex(/^[a-z0-9_]{1,48}$/) });
const reference = route.get('/{key}/{version}/views/{view}/reference', 'The reference image of a view in this protocol version, byte for byte as uploaded', {
  request: { params: ViewParam },
  responses: {
    200: {
      content: Object.fromEntries(REFERENCE_IMAGE_TYPES.map((type) => [type, { schema: z.string().meta({ format: 'binary' }) }])),
      description: 'The image',
    },
    ...errors,
  },
});

export function protocolRoutes({ db }: AppDeps) {
  const saved = async (key: string, version: number) => (await protocolVersions(db, key)).find((p) => p.version === version)!;

  return router()
    .openapi(list, async (c) => c.json({ protocols: await latestProtocols(db) }, 200))
    .openapi(versions, async (c) => {
      const { key } = c.req.valid('param');
      const found = await protocolVersions(db, key);
      if (found.length === 0) throw notFound('Protocol');
      return c.json({ protocols: found }, 200);
    })
    .openapi(create, async (c) => {
      const user = requireGlobalRole(c, PROTOCOL_EDIT_ROLES);
      const body = c.req.valid('json');
      if ((await protocolVersions(db, body.key)).length > 0) throw conflict('protocol_exists', 'A protocol with this key exists; save a new version of it');
      await assertImagesKept(db, body.views);
      await db.insert(scanProtocols).values({ ...body, version: 1, createdBy: user.id });
      await recordAudit(db, {
        ...requestActor(c),
        action: 'protocol.saved',
        targetType: 'protocol',
        targetId: `${body.key}@1`,
        detail: { views: body.views.length },
      });
      return c.json(await saved(body.key, 1), 201);
    })
    .openapi(newVersion, async (c) => {
      const user = requireGlobalRole(c, PROTOCOL_EDIT_ROLES);
      const { key } = c.req.valid('param');
      const body = c.req.valid('json');
      const [latest] = await protocolVersions(db, key);
      if (!latest) throw notFound('Protocol');
      await assertImagesKept(db, body.views);
      const version = latest.version + 1;
      // The key is the path's: a body naming another protocol does not fork this one.
      await db.insert(scanProtocols).values({ ...body, key, version, createdBy: user.id });
      await recordAudit(db, {
        ...requestActor(c),
        action: 'protocol.saved',
        targetType: 'protocol',
        targetId: `${key}@${version}`,
        detail: { views: body.views.length },
      });
      return c.json(await saved(key, version), 201);
    })
    .openapi(change, async (c) => {
      requireGlobalRole(c, PROTOCOL_EDIT_ROLES);
      const { key, version } = c.req.valid('param');
      const body = c.req.valid('json');
      const current = (await protocolVersions(db, key)).find((p) => p.version === version);
      if (!current) throw notFound('Protocol version');
      if (current.inUse || current.builtIn) {
        await recordAudit(db, {
          ...requestActor(c),
          action: 'protocol.refused',
          targetType: 'protocol',
          targetId: `${key}@${version}`,
          detail: { reason: current.inUse ? 'in_use' : 'built_in' },
        });
        throw conflict(
          'protocol_in_use',
          current.inUse ? 'Exams ran on this version; save a new version instead' : 'A built-in version does not change; save a new version instead',
        );
      }
      await assertImagesKept(db, body.views);
      await db
        .update(scanProtocols)
        .set({ examType: body.examType, name: body.name, source: body.source, views: body.views })
        .where(and(eq(scanProtocols.key, key), eq(scanProtocols.version, version)));
      await recordAudit(db, {
        ...requestActor(c),
        action: 'protocol.saved',
        targetType: 'protocol',
        targetId: `${key}@${version}`,
        detail: { views: body.views.length, corrected: true },
      });
      return c.json(await saved(key, version), 200);
    })
    .openapi(upload, async (c) => {
      const user = requireGlobalRole(c, PROTOCOL_EDIT_ROLES);
      const bytes = Buffer.from(await c.req.arrayBuffer());
      const checked = checkReferenceImage(bytes);
      if ('refused' in checked) {
        await recordAudit(db, {
          ...requestActor(c),
          action: 'protocol.refused',
          targetType: 'protocol',
          detail: { image: checked.refused, bytes: bytes.length },
        });
        throw new ApiError(checked.status, 'invalid_request', checked.refused);
      }
      const id = createHash('sha256').update(bytes).digest('hex');
      const [row] = await db
        .insert(referenceImages)
        .values({ id, ...checked, data: bytes, createdBy: user.id })
        .onConflictDoNothing()
        .returning({ id: referenceImages.id });
      const image = { id, ...checked, bytes: bytes.length };
      if (!row) return c.json(image, 200);
      await recordAudit(db, { ...requestActor(c), action: 'protocol.image_saved', targetType: 'protocol', detail: image });
      return c.json(image, 201);
    })
    .openapi(reference, async (c) => {
      requireUser(c);
      const { key, version, view } = c.req.valid('param');
      const image = await viewReferenceImage(db, key, version, view);
      if (!image) throw notFound('Reference image');
      return new Response(new Uint8Array(image.data), {
        status: 200,
        headers: {
          'content-type': image.type,
          'content-length': String(image.data.length),
          // A version's image never changes (it is named by its hash).
          'cache-control': 'private, max-age=86400, immutable',
        },
      });
    });
}
