import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_PROTOCOLS, MAX_REFERENCE_IMAGE_BYTES, type ProtocolBody } from '@loupe/protocol';
import { createTestApi, ok, refused, type TestAccount, type TestApi } from '../../test/fixture.ts';
import { sectorPng } from '../../test/stills.ts';
import { auditLog } from '../db/schema.ts';

const efast = BUILT_IN_PROTOCOLS.find((p) => p.key === 'efast')!;

let api: TestApi;
let lead: TestAccount, host: TestAccount, trainee: TestAccount;

beforeAll(async () => {
  api = await createTestApi();
  lead = await api.account('qc_lead', 'QC Lead Zhao');
  host = await api.account('surgeon', 'Dr Host');
  trainee = await api.account('trainee', 'Trainee Li');
});
afterAll(() => api.close());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A JPEG of the grey sector, made by a real encoder. */
function sectorJpeg(width = 320, height = 240): Buffer {
  const decoded = PNG.sync.read(sectorPng(width, height));
  return Buffer.from(jpeg.encode({ data: decoded.data, width, height }, 90).data);
}

/** An upload as the editor sends it: the file's bytes, with the type the browser gives it. */
const upload = (bytes: Buffer, who = lead, type = 'image/png') =>
  api.client(who.cookie).protocols.images.$post({}, { headers: { 'content-type': type }, init: { body: new Uint8Array(bytes) } });

const reference = (key: string, version: number, view: string, who = trainee) =>
  api.client(who.cookie).protocols[':key'][':version'].views[':view'].reference.$get({ param: { key, version: String(version), view } });

const body = (key: string, referenceImage?: string): ProtocolBody => ({
  key,
  examType: 'efast',
  name: { en: 'eFAST with references', zh: '带参考图的 eFAST' },
  source: 'Kirkpatrick 2004',
  views: efast.views.slice(0, 2).map((v, i) => (i === 0 && referenceImage ? { ...v, referenceImage } : v)),
});

describe('reference images of protocol views', () => {
  it('are taken from QC leads as PNG or JPEG, named by their SHA-256, once', async () => {
    const png = sectorPng(400, 300, 3);
    expect(await ok(upload(png), 201)).toEqual({ id: sha256(png), type: 'image/png', width: 400, height: 300, bytes: png.length });
    expect(await ok(upload(png), 200)).toMatchObject({ id: sha256(png) });
    const jpg = sectorJpeg();
    expect(await ok(upload(jpg, lead, 'image/jpeg'), 201)).toMatchObject({ id: sha256(jpg), type: 'image/jpeg', width: 320, height: 240 });
    for (const who of [host, trainee]) expect((await upload(sectorPng(64, 48, 9), who)).status).toBe(403);
  });

  it('refuses anything that is not a whole PNG or JPEG of a sensible size, saying why', async () => {
    const png = sectorPng(200, 150, 4);
    const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(200)]);
    expect((await refused(upload(gif), 400)).error.message).toBe('A reference image must be a PNG or JPEG file');
    // A PNG cut short: the header reads, the pixels do not.
    expect((await refused(upload(png.subarray(0, png.length - 40)), 400)).error.message).toMatch(/PNG file is damaged: it cannot be decoded/);
    // A JPEG cut short.
    const jpg = sectorJpeg();
    expect((await refused(upload(jpg.subarray(0, 300), lead, 'image/jpeg'), 400)).error.message).toMatch(/JPEG file is damaged/);
    // A header claiming 20000 pixels across is refused before any decoding.
    const wide = Buffer.from(png);
    wide.writeUInt32BE(20000, 16);
    expect((await refused(upload(wide), 400)).error.message).toBe('The image is 20000×150 pixels; each side must be 16 to 4096');
    expect((await refused(upload(sectorPng(8, 8)), 400)).error.message).toMatch(/8×8 pixels/);
    expect((await refused(upload(Buffer.alloc(MAX_REFERENCE_IMAGE_BYTES + 1, 0x89)), 413)).error.message).toBe('A reference image may be at most 2 MB');
    expect((await refused(upload(png, lead, 'text/plain'), 415)).error.message).toBe('A reference image is sent as image/png or image/jpeg');
    const audited = await api.db.select().from(auditLog).where(eq(auditLog.action, 'protocol.refused'));
    expect(audited.filter((e) => e.actorId === lead.user.id && 'image' in e.detail).length).toBeGreaterThanOrEqual(5);
  });

  it('belong to a protocol version: a new version keeps or replaces it, and a version once used keeps its own', async () => {
    const first = sectorPng(320, 240, 5);
    const second = sectorPng(320, 240, 6);
    const { id: firstId } = await ok(upload(first));
    const { id: secondId } = await ok(upload(second));
    const protocols = api.client(lead.cookie).protocols;

    const v1 = await ok(protocols.$post({ json: body('efast_ref', firstId) }), 201);
    expect(v1.views[0]).toMatchObject({ key: efast.views[0]!.key, referenceImage: firstId });
    expect(v1.views[1]!.referenceImage).toBeUndefined();
    // Every signed-in user sees it, byte for byte, with its own type; a view without one has none.
    const served = await reference('efast_ref', 1, efast.views[0]!.key);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(first)).toBe(true);
    expect((await reference('efast_ref', 1, efast.views[1]!.key)).status).toBe(404);
    expect(
      (await api.client().protocols[':key'][':version'].views[':view'].reference.$get({ param: { key: 'efast_ref', version: '1', view: 'ruq' } })).status,
    ).toBe(401);

    // The editor sends the view as it was: the next version carries the image over.
    const v2 = await ok(protocols[':key'].versions.$post({ param: { key: 'efast_ref' }, json: body('efast_ref', firstId) }), 201);
    expect(v2.views[0]!.referenceImage).toBe(firstId);
    // An exam runs on version 2; version 3 replaces the image; version 2 keeps its own.
    const sessionId = await api.ultrasoundSession(host, []);
    await ok(api.client(host.cookie).sessions[':id'].exams.$post({ param: { id: sessionId }, json: { protocolKey: 'efast_ref', patient: null } }), 201);
    await ok(protocols[':key'].versions.$post({ param: { key: 'efast_ref' }, json: body('efast_ref', secondId) }), 201);
    expect(Buffer.from(await (await reference('efast_ref', 2, efast.views[0]!.key)).arrayBuffer()).equals(first)).toBe(true);
    expect(Buffer.from(await (await reference('efast_ref', 3, efast.views[0]!.key)).arrayBuffer()).equals(second)).toBe(true);
  });

  it('must have been uploaded before a view names it', async () => {
    const unknown = 'ab'.repeat(32);
    const res = api.client(lead.cookie).protocols.$post({ json: body('efast_unknown', unknown) });
    expect((await refused(res, 400)).error.message).toBe(`The reference image of view "${efast.views[0]!.key}" was never uploaded; upload it, then save`);
    const notHex = api.client(lead.cookie).protocols.$post({ json: body('efast_nothex', '../../etc/passwd') });
    expect((await refused(notHex, 400)).error.message).toMatch(/SHA-256/);
  });
});
