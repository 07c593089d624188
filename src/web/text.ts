import Joi from 'joi';

/**
 * The character rules of every text that comes in: form fields, query strings, JSON bodies (applied by
 * the input layer, src/web/middleware/input.ts) and CSV cells (applied by the contacts import).
 *
 * - Refused: U+0000 (PostgreSQL text cannot hold it) and a lone UTF-16 surrogate (only a JSON `\ud800`
 *   escape can make one; PostgreSQL would store U+FFFD or refuse the JSON, so what was stored would not
 *   be what was sent).
 * - Removed: the other control characters except TAB and LF (BEL, ESC, DEL, the C1 range…), invisible
 *   and meaningless in text; CRLF and a lone CR become LF.
 * - Single-line fields (names, titles, attribute values…, `lineText` below) also refuse line breaks (LF,
 *   CR, the Unicode line and paragraph separators) and the bidirectional controls (U+202E…): they would
 *   put a fake line into an email or show a name reversed. A TAB is whitespace and stays.
 */

export type TextProblem = 'nul' | 'surrogate';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** C0 controls except NUL (refused), TAB and LF; DEL; the C1 controls. */
const STRAY_CONTROLS = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/** What a single-line field refuses: every control character but TAB, line separators, bidi controls. */
const NOT_ONE_LINE = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u2028\u2029\p{Bidi_Control}]/u;

/** Why a text cannot be taken at all, or null. */
export function textProblem(value: string): TextProblem | null {
  if (value.includes('\u0000')) return 'nul';
  if (LONE_SURROGATE.test(value)) return 'surrogate';
  return null;
}

/** LF line ends, and no control character other than TAB and LF. */
export function cleanText(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(STRAY_CONTROLS, '');
}

/** True for a text fit for a single-line field (after cleanText). */
export function isOneLine(value: string): boolean {
  return !NOT_ONE_LINE.test(value);
}

export const SINGLE_LINE_MESSAGE = 'must be one line, without control or text-direction characters';

/**
 * A single-line text field: `lineText.trim().max(200)`. Joi reports a refusal as `string.singleLine`,
 * which the form toolkit words in the reader's language.
 */
export const lineText = Joi.string()
  .custom((value: string, helpers) => (isOneLine(value) ? value : helpers.error('string.singleLine')))
  .messages({ 'string.singleLine': `{{#label}} ${SINGLE_LINE_MESSAGE}` });
