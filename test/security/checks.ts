import { parse as parseCsv } from 'csv-parse/sync';
import { INJECTED_LINE } from './payloads';

/**
 * What the suite looks for in an answer, a page, an export or an email. Pure functions, tested on their
 * own (test/unit/security-checks.test.ts) so a check that silently stops matching is noticed.
 */

/** A payload shown raw in HTML: a tag or a script URL the browser would run. */
export const RAW_HTML_MARKERS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', 'href="javascript:', 'src="javascript:', 'action="javascript:'];

/** The same payloads shown escaped (the proof that the sweep read pages that show stored payloads). */
const ESCAPED_HTML_MARKERS = ['&lt;script&gt;alert(1)&lt;/script&gt;', '&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;', '&lt;img src=x onerror=alert(1)&gt;'];

export function rawMarkers(html: string): string[] {
  return RAW_HTML_MARKERS.filter((m) => html.includes(m));
}

export function showsEscapedPayload(html: string): boolean {
  return ESCAPED_HTML_MARKERS.some((m) => html.includes(m));
}

const FORMULA_START = /^[=+\-@\t\r＝＋－＠]/;

function csvCells(csv: string): string[] | null {
  try {
    return (parseCsv(csv.replace(/^\uFEFF/, ''), { relax_column_count: true, relax_quotes: true, skip_empty_lines: true }) as string[][]).flat();
  } catch {
    return null;
  }
}

/** Cells a spreadsheet would run as a formula: every one must carry a leading `'`. */
export function formulaCells(csv: string): string[] {
  const cells = csvCells(csv);
  if (!cells) return ['(the export is not valid CSV)'];
  return cells.filter((cell) => FORMULA_START.test(cell));
}

/** Cells holding a formula payload protected with a leading `'`. */
export function protectedFormulaCells(csv: string): number {
  return (csvCells(csv) ?? []).filter((cell) => cell.startsWith("'") && FORMULA_START.test(cell.slice(1))).length;
}

/** An email's parts and header names: HTML escaped, no line or header injected by a CR/LF in a value. */
export function emailProblems(html: string | null, text: string | null, headerNames: string[]): string[] {
  const problems: string[] = [];
  const raw = html ? rawMarkers(html) : [];
  if (raw.length > 0) problems.push(`the HTML part shows ${raw.join(', ')} unescaped`);
  const injected = INJECTED_LINE.split(':')[0];
  if (text && text.split(/\r\n|\r|\n/).some((line) => line.startsWith(injected))) problems.push('the text part has a line of its own injected by a CR/LF in a value');
  if (headerNames.some((h) => h.toLowerCase() === injected.toLowerCase())) problems.push('a header was injected by a CR/LF in a value');
  return problems;
}

/** Text the server stored still percent-encoded (a form value with bytes that are not UTF-8), as SQL. */
export const PERCENT_ENCODED_SQL = '%(FF|C3%28|ED%A0%80|ED%B0%80)';

/** Control and bidi characters a person's name must not keep (CR/LF, BEL, ESC, right-to-left overrides…), as SQL. */
export const NAME_CONTROL_SQL = '[\\x01-\\x1f\\x7f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]';
