import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import {
  HeaderProblem, attributeKeyFor, detectDelimiter, mapHeader, parseLocale, parseUnsubscribed, unprotectCell, validateRow,
} from '../../src/modules/contacts/contacts-csv';

/** The contacts CSV format: header mapping, row rules, spreadsheet-safe cells. */

describe('mapHeader', () => {
  test('recognises email, name and language in English and Vietnamese; other columns become attributes', () => {
    const m = mapHeader(['E-mail', 'Họ và tên', 'Ngôn ngữ', 'Thành phố', 'Plan', '', 'created_at']);
    expect(m.columns.map((c) => [c.header, c.field, c.key])).toEqual([
      ['E-mail', 'email', undefined], ['Họ và tên', 'name', undefined], ['Ngôn ngữ', 'locale', undefined],
      ['Thành phố', 'attribute', 'thanh_pho'], ['Plan', 'attribute', 'plan'], ['', 'ignored', undefined], ['created_at', 'ignored', undefined],
    ]);
    expect([m.email, m.name, m.locale, m.width]).toEqual([0, 1, 2, 7]);
    expect(mapHeader(['tên', 'Email Address', 'language']).email).toBe(1);
  });

  test.each([
    [['name', 'phone'], 'no_email_column'],
    [['email', 'E-mail'], 'duplicate_column'],
    [['email', 'Thành phố', 'thanh pho'], 'duplicate_column'],
    [['email', '???'], 'bad_column_name'],
    [['email', ...Array.from({ length: 51 }, (_, i) => `a${i}`)], 'too_many_attribute_columns'],
  ])('%j is refused: %s', (header, code) => {
    expect(() => mapHeader(header)).toThrow(HeaderProblem);
    try {
      mapHeader(header);
    } catch (err) {
      expect((err as HeaderProblem).code).toBe(code);
    }
  });

  test('attribute keys are what the API accepts', () => {
    expect(attributeKeyFor(' Đơn hàng gần nhất ')).toBe('don_hang_gan_nhat');
    expect(attributeKeyFor('Customer.Tier')).toBe('customer.tier');
  });
});

describe('row values', () => {
  test('languages by code, region tag or name', () => {
    expect(['vi', 'VI', 'vi-VN', 'vi_VN', 'Tiếng Việt', 'Vietnamese'].map(parseLocale)).toEqual(Array(6).fill('vi'));
    expect(['en', 'EN-us', 'English', 'tiếng anh'].map(parseLocale)).toEqual(Array(4).fill('en'));
    expect(parseLocale('fr')).toBeNull();
  });

  test('unsubscribed_at: dates and yes/no; the future and nonsense are refused', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    expect(parseUnsubscribed('', now)).toBeUndefined();
    expect(parseUnsubscribed('không', now)).toBeUndefined();
    expect(parseUnsubscribed('có', now)).toBe(now);
    expect(parseUnsubscribed('2026-03-04T10:00:00.000+07:00', now)).toEqual(new Date('2026-03-04T03:00:00Z'));
    expect(parseUnsubscribed('2027-01-01', now)).toBeNull();
    expect(parseUnsubscribed('soon', now)).toBeNull();
  });

  test('validateRow reports the first problem and remembers valid emails for duplicates', () => {
    const mapping = mapHeader(['email', 'name', 'locale', 'segment']);
    const seen = new Map<string, number>();
    const now = new Date();
    const ok = validateRow([' Lan@Example.com ', 'Nguyễn Thị Lan', 'vi', 'vip'], 2, mapping, seen, now);
    expect(ok).toEqual({ ok: true, contact: { email: 'Lan@Example.com', name: 'Nguyễn Thị Lan', locale: 'vi', attributes: { segment: 'vip' }, unsubscribedAt: null } });
    const problem = (fields: string[], row: number) => {
      const r = validateRow(fields, row, mapping, seen, now);
      return r.ok ? null : [r.problem.code, r.problem.vars ?? {}];
    };
    expect(problem(['lan@example.COM', '', '', ''], 3)).toEqual(['duplicate', { first: 2 }]);
    expect(problem(['x@example.com', '', 'vi', '', 'extra'], 4)).toEqual(['too_many_columns', { count: 5, expected: 4 }]);
    expect(validateRow(['y@example.com', '', 'vi', '', ''], 5, mapping, seen, now).ok).toBe(true);
    expect(problem(['', 'No email', '', ''], 6)).toEqual(['email_missing', {}]);
    expect(problem(['z@example.com', 'x'.repeat(201), '', ''], 7)).toEqual(['name_too_long', { max: 200 }]);
    expect(problem(['w@example.com', '', 'de', ''], 8)).toEqual(['locale_unknown', { value: 'de' }]);
  });

  test('the same name typed on a Mac (decomposed) and on Windows (composed) is stored the same', () => {
    const mapping = mapHeader(['email', 'name']);
    const r = validateRow(['a@example.com', 'Nguyễn'.normalize('NFD')], 2, mapping, new Map(), new Date());
    expect(r.ok && r.contact.name).toBe('Nguyễn'.normalize('NFC'));
  });
});

describe('spreadsheet safety', () => {
  /** One cell through the exports' writer (csv-stringify with escape_formulas) and back through a CSV reader. */
  const exported = (value: string | number) => (parse(stringify([[value, 'x']], { escape_formulas: true })) as string[][])[0][0];

  // = + - @, tab and CR as the README documents, and the full-width ＝ ＋ － ＠ that csv-stringify protects as well.
  test.each(['=1+1', '+84 90', '-5', '@SUM(A1)', '\tx', '\rx', '\uFF1D1+1', '\uFF0B84', '\uFF0D5', '\uFF20SUM(A1)'])(
    '%j is exported with a leading quote, and comes back on import', (value) => {
      expect(exported(value)).toBe(`'${value}`);
      expect(unprotectCell(exported(value))).toBe(value);
    });

  test('ordinary text is left alone, including a leading quote before ordinary text', () => {
    expect(exported('Nguyễn Thị Lan')).toBe('Nguyễn Thị Lan');
    expect(exported(' =1')).toBe(' =1');
    expect(unprotectCell("'quoted")).toBe("'quoted");
  });

  test('a number is not text: csv-stringify leaves a negative number as it is (the exports write text cells)', () => {
    expect(exported(-5)).toBe('-5');
  });

  test('delimiter: whichever the header uses more, outside quotes', () => {
    expect(detectDelimiter('email;name;"a,b,c"')).toBe(';');
    expect(detectDelimiter('email,name')).toBe(',');
    expect(detectDelimiter('email')).toBe(',');
  });
});
