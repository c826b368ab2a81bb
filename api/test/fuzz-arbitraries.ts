/**
 * fast-check arbitraries that fuzz the api from its OpenAPI document: values that follow a
 * JSON Schema, the same objects with one field broken, and the strings and numbers that have
 * broken parsers, databases and file paths before.
 */
import fc from 'fast-check';

/** The part of JSON Schema the api's document uses. */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  $ref?: string;
};

/**
 * Real values for fields that name something, so that requests get past "not found": ids and
 * emails that exist, and the ids by the collection that names them in a path (`/cases/{id}`).
 */
export type Known = { ids: string[]; emails: string[]; byCollection: Record<string, string[]> };

export const TRAVERSAL = [
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%252F..%252Fetc%252Fpasswd',
  '....//....//etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2Fetc%2Fpasswd',
  '..%c0%af..%c0%afetc%c0%afpasswd',
  '..',
];

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u202Eevil.exe',
  '\u200B',
  '👩🏽‍⚕️',
  '\uD800',
  'a\uDFFFb',
  'e\u0301',
  'Ａｄｍｉｎ',
  '\r\n\t',
  `"'\``,
  "'; DROP TABLE users; --",
  '%',
  '%00',
  '%zz',
  '<script>alert(1)</script>',
  'null',
  'NaN',
  '-1',
  '1e308',
  '0x10',
];

export const EDGE_NUMBERS = [0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, Number.MIN_SAFE_INTEGER];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Strings that break things: control and bidi characters, lone surrogates, traversal, 10^6 characters. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ODD_STRINGS, ...TRAVERSAL) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.oneof(loneSurrogate, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('x', 'é', '👍').map((c) => c.repeat(1_000_000 / c.length)) },
);

function stringOf(schema: JsonSchema, known: Known, key: string): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known.ids) }, { weight: 1, arbitrary: fc.uuid() });
  if (schema.format === 'date-time') {
    return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  }
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern), { maxLength: schema.maxLength });
  if (key === 'email') return fc.oneof(fc.constantFrom(...known.emails), fc.emailAddress());
  if (key === 'identity') return fc.constantFrom(...known.ids);
  return fc.string({ unit: 'grapheme', minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
}

/** A value that follows `schema` (as far as the keywords above go), `key` being its field's name. */
export function valueOf(schema: JsonSchema, known: Known, key = ''): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = [schema.type ?? []].flat();
  if (types.length > 1) return fc.oneof(...types.map((type) => valueOf({ ...schema, type }, known, key)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 10_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'string':
      return stringOf(schema, known, key);
    case 'array':
      return fc.array(valueOf(schema.items ?? {}, known, key), { maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object': {
      const fields = Object.entries(schema.properties ?? {}).map(([name, s]) => [name, valueOf(s, known, name)] as const);
      return fc.record(Object.fromEntries(fields), { requiredKeys: schema.required ?? [] });
    }
    default:
      return fc.jsonValue();
  }
}

const MISSING = Symbol('missing');

/** An object that follows `schema` but for one field: gone, of another type, odd, out of range, or a stray key. */
export function brokenObjectOf(schema: JsonSchema, known: Known): fc.Arbitrary<unknown> {
  const keys = [...Object.keys(schema.properties ?? {}), '__proto__', 'constructor'];
  const broken = fc.oneof(fc.constant(MISSING), fc.jsonValue(), oddString, fc.constantFrom(...EDGE_NUMBERS));
  return fc.tuple(valueOf(schema, known), fc.constantFrom(...keys), broken).map(([value, key, replacement]) => {
    const copy = { ...(value as Record<string, unknown>) };
    if (replacement === MISSING) delete copy[key];
    // defineProperty: `copy.__proto__ = …` would set the prototype, not send a field.
    else Object.defineProperty(copy, key, { value: replacement, enumerable: true, writable: true, configurable: true });
    return copy;
  });
}

/**
 * A generated value as text. An object as JSON: String() throws on one with a `toString` field that
 * is not a function, or with no prototype, which fc.jsonValue() makes now and then.
 */
const text = (value: unknown) => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
// As a browser sends it: a lone surrogate goes as U+FFFD, which encodeURIComponent would throw on.
const encode = (value: unknown) => encodeURIComponent(text(value).toWellFormed());

/** A path segment: a fitting value, an odd one, or a traversal, already URL-encoded where it should be. */
export function segmentOf(schema: JsonSchema, known: Known): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: valueOf(schema, known).map(encode) },
    { weight: 1, arbitrary: oddString.map(encode) },
    { weight: 1, arbitrary: fc.constantFrom(...TRAVERSAL) },
  );
}

const ODD_NUMBER_TEXT = ['', ' 5 ', 'NaN', 'Infinity', '-1', '0', '1.5', '1e3', '0x10', '99999999999999999999', '-0'];

/** One query parameter's text. */
export function queryValueOf(schema: JsonSchema, known: Known, key: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: valueOf(schema, known, key).map(text) },
    { weight: 2, arbitrary: oddString },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_NUMBER_TEXT) },
  );
}
