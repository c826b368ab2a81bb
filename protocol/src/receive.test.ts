import { describe, expect, it } from 'vitest';
import { ANNOTATION_VERSION, MAX_OP_BYTES } from './annotation.ts';
import { DropCounter, outdatedSide, parseOpPacket, SenderRateLimit } from './receive.ts';

const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const mentor = { identity: 'u-mentor', role: 'mentor' };
const NOW = 1_795_000_000_500;
const op = {
  v: ANNOTATION_VERSION,
  source: 'u-theatre#laparoscope',
  id: 'x1',
  author: 'u-mentor',
  seq: 3,
  t: 1_795_000_000_000,
  frame: { media: 3.2, rtp: 123456 },
  kind: 'shape',
  shape: 'arrow',
  from: [0.1, 0.2],
  to: [0.3, 0.4],
  style: { color: '#00e5ff', width: 'thick' },
  fade: false,
};

describe('receiving an annotation packet', () => {
  it('accepts a well-formed op from a mentor', () => {
    expect(parseOpPacket(encode(op), mentor, NOW)).toEqual({ ok: true, op });
  });

  it.each([
    ['not JSON', '{"v":1,', 'malformed'],
    ['not UTF-8', new Uint8Array([0xff, 0xfe, 0x00]), 'malformed'],
    ['a JSON number', '42', 'malformed'],
    ['a version that is no number', { ...op, v: 'one' }, 'unknown_version'],
    ['an unknown kind', { ...op, kind: 'explode' }, 'invalid'],
    ['a coordinate outside the picture', { ...op, from: [1.5, 0.2] }, 'invalid'],
    ['a NaN coordinate (null in JSON)', { ...op, from: [null, 0.2] }, 'invalid'],
    [
      'an infinite coordinate',
      '{"v":3,"id":"x","author":"u-mentor","seq":1,"t":1,"frame":null,"kind":"shape","shape":"arrow","from":[1e999,0],"to":[0,0],"style":{"color":"#00e5ff","width":"thin"},"fade":false}',
      'invalid',
    ],
    ['a colour not in the palette', { ...op, style: { color: '#ff0000', width: 'thin' } }, 'invalid'],
    ['a missing field', { ...op, seq: undefined }, 'invalid'],
    ['a bad id', { ...op, id: '../../etc' }, 'invalid'],
  ])('drops %s', (_what, packet, reason) => {
    const bytes = packet instanceof Uint8Array ? packet : encode(packet);
    expect(parseOpPacket(bytes, mentor, NOW)).toEqual({ ok: false, reason });
  });

  it('refuses an op of another version, saying which, and who must reload', () => {
    expect(parseOpPacket(encode({ ...op, v: 4 }), mentor, NOW)).toEqual({ ok: false, reason: 'unknown_version', version: 4 });
    expect(outdatedSide(4)).toBe('receiver');
    expect(outdatedSide(0)).toBe('sender');
  });

  it('refuses a version-2 op live (its page would take a clear of one picture for Clear all): the sender must reload', () => {
    expect(parseOpPacket(encode({ ...op, v: 2 }), mentor, NOW)).toEqual({ ok: false, reason: 'unknown_version', version: 2 });
    expect(outdatedSide(2)).toBe('sender');
  });

  it('refuses a version-1 op live (its page draws every source on one picture): the sender must reload', () => {
    const { source: _, ...v1 } = op;
    expect(parseOpPacket(encode({ ...v1, v: 1 }), mentor, NOW)).toEqual({ ok: false, reason: 'unknown_version', version: 1 });
    expect(outdatedSide(1)).toBe('sender');
  });

  it.each([
    ['no owner', '#laparoscope'],
    ['no key', 'u-theatre#'],
    ['a key with capitals', 'u-theatre#Room'],
    ['no separator', 'u-theatre'],
  ])('refuses an op whose source has %s', (_, source) => {
    expect(parseOpPacket(encode({ ...op, source }), mentor, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each([15 * 1024, 16 * 1024, 64 * 1024, 1024 * 1024])('drops a %i-byte packet unread', (size) => {
    const bytes = new Uint8Array(size).fill(0x20);
    expect(parseOpPacket(bytes, mentor, NOW)).toEqual({ ok: false, reason: 'oversized' });
  });

  it('keeps a packet of the largest legal stroke chunk under the size limit', () => {
    const points = Array.from({ length: 120 }, () => [0.1234, 0.5678]);
    const chunk = { ...op, kind: 'stroke.points', from: 1, points, shape: undefined, to: undefined, style: undefined };
    const bytes = encode(chunk);
    expect(bytes.byteLength).toBeLessThan(MAX_OP_BYTES);
    expect(parseOpPacket(bytes, mentor, NOW).ok).toBe(true);
  });

  it('obeys only senders whose server-granted role may draw, judged on the stamped identity', () => {
    expect(parseOpPacket(encode(op), { identity: 'u-mentor', role: 'observer' }, NOW)).toEqual({ ok: false, reason: 'not_allowed' });
    expect(parseOpPacket(encode(op), { identity: 'u-mentor', role: 'theatre' }, NOW)).toEqual({ ok: false, reason: 'not_allowed' });
    expect(parseOpPacket(encode(op), { identity: 'u-mentor', role: undefined }, NOW)).toEqual({ ok: false, reason: 'not_allowed' });
    // A theatre PC claiming to be the mentor in the payload is still the theatre.
    expect(parseOpPacket(encode(op), { identity: 'u-theatre', role: 'mentor' }, NOW)).toEqual({ ok: false, reason: 'not_author' });
  });

  it('takes bookmarks from theatre, mentors and the host, but not from observers', () => {
    const bookmark = { v: ANNOTATION_VERSION, id: 'b1', author: 'u-theatre', seq: 1, t: NOW, frame: null, kind: 'bookmark', title: 'Critical view of safety' };
    expect(parseOpPacket(encode(bookmark), { identity: 'u-theatre', role: 'theatre' }, NOW).ok).toBe(true);
    expect(parseOpPacket(encode({ ...bookmark, author: 'u-host' }), { identity: 'u-host', role: 'host' }, NOW).ok).toBe(true);
    expect(parseOpPacket(encode({ ...bookmark, author: 'u-obs' }), { identity: 'u-obs', role: 'observer' }, NOW)).toEqual({ ok: false, reason: 'not_allowed' });
    // Theatre still cannot draw.
    expect(parseOpPacket(encode({ ...op, author: 'u-theatre' }), { identity: 'u-theatre', role: 'theatre' }, NOW)).toEqual({
      ok: false,
      reason: 'not_allowed',
    });
  });

  it('limits each sender’s rate, and counts what it drops', () => {
    const limit = new SenderRateLimit(100, 10);
    const drops = new DropCounter();
    let allowed = 0;
    for (let i = 0; i < 1000; i++) {
      if (limit.allow('flooder', 0)) allowed++;
      else drops.add('rate_limited');
    }
    expect(allowed).toBe(10);
    expect(drops.counts.rate_limited).toBe(990);
    expect(limit.allow('someone-else', 0)).toBe(true);
    expect(limit.allow('flooder', 1000)).toBe(true);
  });
});

describe('an op’s time', () => {
  it('is refused when far from the receiver’s session clock: a clear dated ahead would hide every later drawing', () => {
    const clear = { v: ANNOTATION_VERSION, id: 'c1', author: 'u-mentor', seq: 4, t: 1e14, frame: null, kind: 'clear' };
    expect(parseOpPacket(encode(clear), mentor, NOW)).toEqual({ ok: false, reason: 'out_of_time' });
    expect(parseOpPacket(encode({ ...clear, t: NOW - 61_000 }), mentor, NOW)).toEqual({ ok: false, reason: 'out_of_time' });
    expect(parseOpPacket(encode({ ...clear, t: NOW + 30_000 }), mentor, NOW).ok).toBe(true);
  });
});

describe('a prior image shown to everyone (share op)', () => {
  const share = {
    v: ANNOTATION_VERSION,
    id: 'k3j9x0q2',
    author: 'u-mentor',
    seq: 4,
    t: 1_795_000_000_000,
    frame: null,
    kind: 'share',
    image: { study: '1.2.840.1', series: '1.2.840.1.2', sop: '1.2.840.1.2.3', window: 'bone' },
    label: '2024-03-02 CT Chest · 5/10',
  };

  it('is obeyed from a mentor', () => {
    expect(parseOpPacket(encode(share), mentor, NOW)).toEqual({ ok: true, op: share });
  });

  it.each([
    ['theatre', { identity: 'u-theatre', role: 'theatre' }],
    ['an observer', { identity: 'u-obs', role: 'observer' }],
  ])('is refused from %s, even under its own name', (_who, sender) => {
    expect(parseOpPacket(encode({ ...share, author: sender.identity }), sender, NOW)).toEqual({ ok: false, reason: 'not_allowed' });
  });

  it.each([
    ['a UID that is no UID (a path into the PACS)', { ...share, image: { ...share.image, sop: '../../studies' } }],
    ['an unknown window', { ...share, image: { ...share.image, window: 'plasma' } }],
    ['an id that cannot be a picture key', { ...share, id: 'Has_Upper' }],
    ['an empty label', { ...share, label: '  ' }],
    ['a label past its length', { ...share, label: 'x'.repeat(81) }],
  ])('is refused with %s', (_what, bad) => {
    expect(parseOpPacket(encode(bad), mentor, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });
});
