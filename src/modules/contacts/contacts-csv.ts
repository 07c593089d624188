/**
 * The contacts CSV format, as pure functions: how header labels map to fields, how each data row is
 * validated, and how a cell our export protected against formula injection reads back. The streaming
 * import (contacts-import.ts) and the export (contacts-export.ts) build on these.
 */
import type { Locale } from '../../i18n';
import { isCalendarDay } from '../../time';
import { EARLIEST_DAY } from '../../web/params';
import { cleanText, isOneLine } from '../../web/text';
import { emailSchema } from './contacts.schemas';

export const MAX_NAME_LENGTH = 200;
export const MAX_ATTRIBUTE_VALUE_LENGTH = 500;
export const MAX_ATTRIBUTE_COLUMNS = 50;
/** An attribute key, as the REST API accepts it (contacts.schemas.ts). */
export const ATTRIBUTE_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
/** What is kept of a rejected row's email in the report. */
const REPORTED_EMAIL_LENGTH = 320;

/** Lowercase, without Vietnamese diacritics, for matching header labels and locale names. */
export function foldLabel(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase().trim();
}

type Field = 'email' | 'name' | 'locale' | 'unsubscribed';

/** Header labels (folded, spaces/dashes/underscores removed) that name a known field. */
const FIELD_LABELS: Record<string, Field> = {
  email: 'email', emailaddress: 'email', mail: 'email', diachiemail: 'email', thudientu: 'email',
  name: 'name', fullname: 'name', ten: 'name', hoten: 'name', hovaten: 'name',
  locale: 'locale', language: 'locale', lang: 'locale', ngonngu: 'locale',
  unsubscribedat: 'unsubscribed', unsubscribed: 'unsubscribed',
};
/** Columns of our own export that are not contact data to import. */
const IGNORED_LABELS = new Set(['createdat', 'updatedat', 'id']);

export interface MappedColumn {
  index: number;
  header: string;
  field: Field | 'attribute' | 'ignored';
  /** The attribute key, for attribute columns. */
  key?: string;
}

export interface ColumnMapping {
  columns: MappedColumn[];
  width: number;
  email: number;
  name: number | null;
  locale: number | null;
  unsubscribed: number | null;
}

export type FileProblemCode = 'no_email_column' | 'duplicate_column' | 'bad_column_name' | 'too_many_attribute_columns';

/** The header row cannot be used: the whole file is refused and nothing is stored. */
export class HeaderProblem extends Error {
  constructor(readonly code: FileProblemCode, readonly vars: Record<string, string | number> = {}) {
    super(code);
  }
}

/** "Thành phố" → "thanh_pho", "Plan" → "plan": attribute keys the API and segment filters accept. */
export function attributeKeyFor(header: string): string {
  return foldLabel(header).replace(/[^a-z0-9_.-]+/g, '_').replace(/^[_.-]+|[_.-]+$/g, '').slice(0, 64);
}

/** Maps the header row: email, name, locale and unsubscribed_at by their usual labels; every other column is an attribute. */
export function mapHeader(header: string[]): ColumnMapping {
  const columns: MappedColumn[] = [];
  const byField = new Map<string, MappedColumn>();
  header.forEach((raw, index) => {
    const label = raw.trim();
    const compact = foldLabel(label).replace(/[\s_-]+/g, '');
    if (label === '' || IGNORED_LABELS.has(compact)) {
      columns.push({ index, header: label, field: 'ignored' });
      return;
    }
    const field = FIELD_LABELS[compact];
    const key = field ? undefined : attributeKeyFor(label);
    if (key === '') throw new HeaderProblem('bad_column_name', { header: label });
    const column: MappedColumn = field ? { index, header: label, field } : { index, header: label, field: 'attribute', key };
    const slot = field ?? `attribute:${key}`;
    const earlier = byField.get(slot);
    if (earlier) throw new HeaderProblem('duplicate_column', { first: earlier.header, second: label });
    byField.set(slot, column);
    columns.push(column);
  });
  const email = byField.get('email');
  if (!email) throw new HeaderProblem('no_email_column');
  const attributes = columns.filter((c) => c.field === 'attribute').length;
  if (attributes > MAX_ATTRIBUTE_COLUMNS) throw new HeaderProblem('too_many_attribute_columns', { max: MAX_ATTRIBUTE_COLUMNS, count: attributes });
  return {
    columns,
    width: header.length,
    email: email.index,
    name: byField.get('name')?.index ?? null,
    locale: byField.get('locale')?.index ?? null,
    unsubscribed: byField.get('unsubscribed')?.index ?? null,
  };
}

const LOCALE_NAMES: Record<string, Locale> = {
  vi: 'vi', 'vi-vn': 'vi', vie: 'vi', vietnamese: 'vi', 'tieng viet': 'vi',
  en: 'en', 'en-us': 'en', 'en-gb': 'en', eng: 'en', english: 'en', 'tieng anh': 'en',
};

/** vi, en, a region tag (vi-VN, en_US) or the language's name in either language; null when unknown. */
export function parseLocale(value: string): Locale | null {
  return LOCALE_NAMES[foldLabel(value).replace(/_/g, '-').replace(/\s+/g, ' ')] ?? null;
}

const YES = new Set(['yes', 'true', '1', 'co', 'x']);
const NO = new Set(['no', 'false', '0', 'khong']);
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/;

/**
 * An unsubscribed_at cell: a date (ISO 8601, as our export writes it) or yes/no. `undefined` when the cell
 * says nothing (empty or no), `null` when it cannot be read. An import never resubscribes anyone.
 * The date must exist (30 February does not roll over into March) and lie from 1970 to now, so that
 * every date a row passes with is one PostgreSQL stores (year 0000 it would refuse, failing the import).
 */
export function parseUnsubscribed(value: string, now: Date): Date | null | undefined {
  const folded = foldLabel(value);
  if (folded === '' || NO.has(folded)) return undefined;
  if (YES.has(folded)) return now;
  const m = ISO_DATE.exec(value.trim());
  if (!m) return null;
  const [, day, hh = '0', mm = '0', ss = '0', oh = '0', om = '0'] = m;
  if (!isCalendarDay(day) || day < EARLIEST_DAY || +hh > 23 || +mm > 59 || +ss > 59 || +oh > 14 || +om > 59) return null;
  const date = new Date(value.trim());
  return Number.isNaN(date.getTime()) || date > now || date.toISOString().slice(0, 10) < EARLIEST_DAY ? null : date;
}

/**
 * The first characters csv-stringify's `escape_formulas` (used by every export) protects with a leading
 * single quote: = + - @, tab, carriage return, and the full-width ＝ ＋ － ＠ some spreadsheets also read
 * as formulas.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** A cell our export protected with a leading quote comes back as it was. */
export function unprotectCell(value: string): string {
  return value.length > 1 && value[0] === "'" && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

export interface ImportContact {
  email: string;
  name: string;
  locale: Locale | null;
  attributes: Record<string, string>;
  unsubscribedAt: string | null;
}

export type RowProblemCode = 'too_many_columns' | 'email_missing' | 'email_invalid' | 'duplicate' | 'locale_unknown'
  | 'name_too_long' | 'attribute_too_long' | 'not_one_line' | 'unsubscribed_invalid';

export interface RowProblem {
  row: number;
  email: string;
  code: RowProblemCode;
  vars?: Record<string, string | number>;
}

export type RowResult = { ok: true; contact: ImportContact } | { ok: false; problem: RowProblem };

/** True for a row with no content at all (a blank line, or only delimiters): skipped, not reported. */
export function isBlankRow(fields: string[]): boolean {
  return fields.every((f) => f.trim() === '');
}

function columnHeader(mapping: ColumnMapping, index: number | null): string {
  return mapping.columns.find((c) => c.index === index)?.header ?? '';
}

/**
 * Validates one data row; the first problem that applies is reported. `seen` maps the lowercased email of
 * every valid row so far to its row number: a later row with the same email is a duplicate, and the first
 * one is the one imported.
 */
export function validateRow(fields: string[], row: number, mapping: ColumnMapping, seen: Map<string, number>, now: Date): RowResult {
  // The input layer's text rules, as for a form or the API: invisible controls go, CRLF becomes LF.
  const cell = (index: number | null) => (index === null ? '' : unprotectCell(cleanText(fields[index] ?? '').trim()).normalize('NFC'));
  const email = cell(mapping.email);
  const fail = (code: RowProblemCode, vars?: Record<string, string | number>): RowResult =>
    ({ ok: false, problem: { row, email: email.slice(0, REPORTED_EMAIL_LENGTH), code, ...(vars ? { vars } : {}) } });

  const extra = fields.slice(mapping.width).filter((f) => f.trim() !== '').length;
  // Trailing empty cells (a delimiter at the end of the line) are harmless; data beyond the header is not.
  if (extra > 0) return fail('too_many_columns', { count: fields.length, expected: mapping.width });
  if (email === '') return fail('email_missing');
  if (emailSchema.validate(email).error) return fail('email_invalid');
  const key = email.toLowerCase();
  const first = seen.get(key);
  if (first !== undefined) return fail('duplicate', { first });

  const localeText = cell(mapping.locale);
  const locale = localeText === '' ? null : parseLocale(localeText);
  if (localeText !== '' && !locale) return fail('locale_unknown', { value: localeText.slice(0, 50) });
  const name = cell(mapping.name);
  if (name.length > MAX_NAME_LENGTH) return fail('name_too_long', { max: MAX_NAME_LENGTH });
  if (!isOneLine(name)) return fail('not_one_line', { column: columnHeader(mapping, mapping.name) });
  const attributes: Record<string, string> = {};
  for (const column of mapping.columns) {
    if (column.field !== 'attribute' || !column.key) continue;
    const value = cell(column.index);
    if (value === '') continue;
    if (value.length > MAX_ATTRIBUTE_VALUE_LENGTH) return fail('attribute_too_long', { key: column.key, max: MAX_ATTRIBUTE_VALUE_LENGTH });
    if (!isOneLine(value)) return fail('not_one_line', { column: column.header });
    attributes[column.key] = value;
  }
  const unsubscribedText = cell(mapping.unsubscribed);
  const unsubscribed = parseUnsubscribed(unsubscribedText, now);
  if (unsubscribed === null) return fail('unsubscribed_invalid', { value: unsubscribedText.slice(0, 50) });

  seen.set(key, row);
  return { ok: true, contact: { email, name, locale, attributes, unsubscribedAt: unsubscribed ? unsubscribed.toISOString() : null } };
}

/** Comma or semicolon (Excel's choice where the decimal separator is a comma): whichever the header line uses more, outside quotes. */
export function detectDelimiter(headerLine: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}
