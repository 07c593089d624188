import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { HttpError, type ErrorDetail } from '../errors';
import { cleanText, textProblem } from '../text';

/**
 * The input layer: what every form body, query string and JSON body goes through before any route reads
 * it, so the rules of src/web/text.ts hold everywhere and no route can forget them.
 *
 * - Query strings: `inputRules`, mounted once in createApp() before every router.
 * - Bodies: the app's body parsers are built here (`formParser`, `jsonParser`; src/web/forms.ts names the
 *   form ones, the API uses the JSON one), each checking the raw bytes and then the parsed values.
 *
 * A text that breaks a rule is refused with a 400, before anything is stored: the API's error contract
 * under /api, else a page in the reader's language. Nothing is ever replaced silently but the invisible
 * controls and CR line ends that cleanText removes.
 */

/** A refusal of the input layer (see inputErrorContext). */
export class InputError extends HttpError {}

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    FATAL_UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function invalidEncoding(where: 'query' | 'body'): HttpError {
  return new InputError(400, 'invalid_encoding', `The ${where === 'query' ? 'query string' : 'request body'} is not valid UTF-8`,
    [{ path: '', message: `the ${where === 'query' ? 'query string' : 'body'} must be UTF-8, its percent-escapes too` }],
    'error.badCharacters');
}

/**
 * A query string's percent-escapes decode to UTF-8. Node's query parser decodes escape by escape (a stray
 * `%` stays a `%`), so only escapes that make invalid UTF-8 (`%FF`, an encoded surrogate) are refused.
 * The request line arrives as latin1, one character per byte.
 */
function queryIsUtf8(raw: string): boolean {
  return isUtf8(Buffer.from(raw.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1'));
}

/**
 * A form body is UTF-8 and each of its fields decodes. The form parser keeps a field it cannot decode
 * wholly percent-encoded (one bad byte and the whole comment would be stored as `caf%C3%A9%FF…`), so a
 * stray `%` is refused here too; browsers always encode it.
 */
function formIsDecodable(bytes: Buffer): boolean {
  if (!isUtf8(bytes)) return false;
  for (const part of bytes.toString('utf8').split('&')) {
    try {
      decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return false;
    }
  }
  return true;
}

const PROBLEM_MESSAGES = {
  nul: 'must not contain a NUL character',
  surrogate: 'must not contain a lone surrogate (half of a UTF-16 pair)',
} as const;

/**
 * Checks every field name and text of a parsed body or query, at any depth, and cleans the texts in place
 * (cleanText). The problems, with their paths; iterative, so a deeply nested body cannot overflow the stack.
 */
export function checkInput(root: unknown): ErrorDetail[] {
  const found: ErrorDetail[] = [];
  const stack: Array<{ value: unknown; path: string }> = [{ value: root, path: '' }];
  while (stack.length > 0) {
    const { value: container, path } = stack.pop()!;
    if (container === null || typeof container !== 'object') continue;
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const at = path ? `${path}.${key}` : key;
      // JSON.parse makes `__proto__` an own field; copied or merged later, it would set a prototype.
      if (key === '__proto__') {
        found.push({ path: at, message: `${at} is not allowed` });
        continue;
      }
      const keyProblem = textProblem(key);
      if (keyProblem || cleanText(key) !== key) {
        found.push({ path: at, message: 'field names must not contain control characters or lone surrogates' });
        continue;
      }
      const v = record[key];
      if (typeof v === 'string') {
        const problem = textProblem(v);
        if (problem) found.push({ path: at, message: `${at} ${PROBLEM_MESSAGES[problem]}` });
        else record[key] = cleanText(v);
      } else if (v !== null && typeof v === 'object') {
        stack.push({ value: v, path: at });
      }
    }
  }
  return found;
}

function refuse(problems: ErrorDetail[]): HttpError {
  const proto = problems.some((p) => p.path.endsWith('__proto__'));
  return new InputError(400, 'validation_failed', 'The request is not valid', problems, proto ? 'error.badRequest' : 'error.badCharacters');
}

/** Mounted once, before every router: the query string's rules. */
export function inputRules(req: Request, _res: Response, next: NextFunction): void {
  const at = req.url.indexOf('?');
  if (at < 0) return next();
  if (!queryIsUtf8(req.url.slice(at + 1))) throw invalidEncoding('query');
  // Express parses req.query anew on each read: keep the checked and cleaned one.
  const query = req.query;
  const problems = checkInput(query);
  if (problems.length > 0) throw refuse(problems);
  Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
  next();
}

/** A body parser followed by the rules on what it parsed. */
function checked(parser: RequestHandler): RequestHandler {
  return (req, res, next) => {
    parser(req, res, (err?: unknown) => {
      if (err) return next(err);
      const problems = checkInput(req.body);
      next(problems.length > 0 ? refuse(problems) : undefined);
    });
  };
}

/** An error thrown by `verify` keeps its own status (body-parser would otherwise answer 403). */
function verifying(test: (bytes: Buffer) => boolean) {
  return (_req: unknown, _res: unknown, bytes: Buffer, encoding: string) => {
    if (/^utf-?8$/i.test(encoding) && !test(bytes)) throw invalidEncoding('body');
  };
}

/** A URL-encoded form body parser (every value a string, or an array when repeated). */
export function formParser(options: { limit: string; parameterLimit?: number }): RequestHandler {
  return checked(express.urlencoded({ extended: false, ...options, verify: verifying(formIsDecodable) }));
}

/** The API's JSON body parser. */
export function jsonParser(options: { limit: string }): RequestHandler {
  return checked(express.json({ strict: true, ...options, verify: verifying(isUtf8) }));
}

function runEach(handlers: RequestHandler[], req: Request, res: Response): Promise<void> {
  return handlers.reduce<Promise<void>>((before, handler) => before.then(() => new Promise<void>((resolve, reject) => {
    Promise.resolve(handler(req, res, (err?: unknown) => (err ? reject(err) : resolve()))).catch(reject);
  })), Promise.resolve());
}

/**
 * A query string is refused before any router runs, so before the dashboard has read who is asking. For a
 * team member the error page should still speak their language, with their navigation: this error handler,
 * placed before the app's own, reads the session (`readUser`) and, for a logged-in user, runs `context`.
 * Visitors keep the survey pages' rules (`?lang=`, then the browser's language).
 */
export function inputErrorContext(readUser: RequestHandler[], context: RequestHandler[]): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (!(err instanceof InputError) || res.locals.user || req.originalUrl.startsWith('/api/') || !req.headers.cookie) return next(err);
    runEach(readUser, req, res)
      .then(() => (res.locals.user ? runEach(context, req, res) : undefined))
      .then(() => next(err), () => next(err));
  };
}
