import { responseRate } from '../../src/modules/metrics';
import { formatterFor } from '../../src/web/format';
import {
  bigSerialParam, decodeCursor, encodeCursor, keyParam, keySchema, requireCursor, serialParam, uuidParam, uuidSchema,
} from '../../src/web/params';

/** src/web/params.ts is the one home of ids, keys and cursors: the API, the pages and the public routes agree. */
describe('keys', () => {
  test.each(['store_q1', 'checkout', 'store-q1', 'a1_b2-c3'])('%s is a key for the API schema and for a dashboard URL alike', (key) => {
    expect(keySchema.validate(key).error).toBeUndefined();
    expect(keyParam(key)).toBe(key);
  });

  test.each(['Store', '_q1', 'q1_', 'a__b', 'a b', '', 'x'.repeat(65)])('%p is refused by both', (key) => {
    expect(keySchema.validate(key).error).toBeDefined();
    expect(keyParam(key)).toBeNull();
  });
});

describe('ids', () => {
  const id = '0b6c3f7e-1d2a-4c5b-9e8f-7a6b5c4d3e2f';
  test('a hyphenated uuid passes, lower-cased; the forms PostgreSQL refuses do not', () => {
    expect(uuidParam(id.toUpperCase())).toBe(id);
    expect(uuidSchema.validate(id).error).toBeUndefined();
    for (const bad of [`{${id}}`, id.replace(/-/g, ':'), id.replace(/-/g, ''), `[${id}]`]) {
      expect(uuidParam(bad)).toBeNull();
      expect(uuidSchema.validate(bad).error).toBeDefined();
    }
  });

  test('serial and bigserial ids stay inside what PostgreSQL holds', () => {
    expect(serialParam('2147483647')).toBe(2147483647);
    expect(serialParam('2147483648')).toBeNull();
    expect(serialParam('01')).toBeNull();
    expect(bigSerialParam('9223372036854775807')).toBe('9223372036854775807');
    expect(bigSerialParam('9223372036854775808')).toBeNull();
  });
});

describe('cursors: one encoding for every list', () => {
  test('round trip for bigserial and uuid ids', () => {
    const at = '2026-11-22T09:30:00.123456Z';
    expect(decodeCursor(encodeCursor({ at, id: '42' }), 'bigserial')).toEqual({ at, id: '42' });
    const uuid = '0b6c3f7e-1d2a-4c5b-9e8f-7a6b5c4d3e2f';
    expect(decodeCursor(encodeCursor({ at, id: uuid }), 'uuid')).toEqual({ at, id: uuid });
    expect(decodeCursor(encodeCursor({ at, id: uuid }), 'bigserial')).toBeNull();
  });

  test.each([
    ['an impossible date', '2026-02-30T00:00:00.000000Z'],
    ['year 0000', '0000-01-01T00:00:00.000000Z'],
    ['milliseconds only', '2026-01-01T00:00:00.000Z'],
  ])('%s is not a cursor: null for the pages, a 400 for the API', (_label, at) => {
    const text = encodeCursor({ at, id: '1' });
    expect(decodeCursor(text, 'bigserial')).toBeNull();
    expect(() => requireCursor(text, 'bigserial')).toThrow(expect.objectContaining({ status: 400, code: 'invalid_cursor' }));
  });
});

describe('one formatter, one response rate', () => {
  test('dates are day first with a 24-hour clock in both languages, in the organisation time zone', () => {
    const instant = new Date('2026-12-04T18:35:00Z');
    expect(formatterFor('vi', 'Asia/Ho_Chi_Minh').dateTime(instant)).toBe('05/12/2026 01:35');
    expect(formatterFor('en', 'Asia/Ho_Chi_Minh').dateTime(instant)).toBe('5 Dec 2026, 01:35');
    expect(formatterFor('en', 'UTC').date(instant)).toBe('4 Dec 2026');
  });

  test('the response rate is a percent, null before anything was sent', () => {
    expect(responseRate(1044, 336)).toEqual({ sent: 1044, responded: 336, rate: (100 * 336) / 1044 });
    expect(responseRate(0, 0).rate).toBeNull();
    expect(formatterFor('en', 'UTC').percent(responseRate(4, 2).rate as number)).toBe('50.0%');
  });
});
