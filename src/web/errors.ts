import type { NextFunction, Request, Response } from 'express';
import type { MessageKey } from '../i18n';
import { resolveLocale, t } from '../i18n';
import { DOMAIN_ERROR_KINDS, DomainError } from '../domain-error';
import { isDatabaseUnavailable } from '../db/unavailable';

export interface ErrorDetail { path: string; message: string }

/**
 * An error meant for the person who caused it: a status, a stable code for the API, and a message key so
 * pages can say it in the respondent's language. Anything else that reaches the handler is a 500.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly messageKey?: MessageKey,
    readonly messageVars: Record<string, string | number> = {},
  ) {
    super(message);
  }
}

/** Thrown by a handler that has already rendered its own error page (the error handler then does nothing). */
export class RenderedError extends Error {
  constructor() {
    super('already rendered');
  }
}

export const notFound = (message = 'Not found', key: MessageKey = 'error.notFound') => new HttpError(404, 'not_found', message, [], key);

function isApiRequest(req: Request): boolean {
  return req.originalUrl.startsWith('/api/');
}

/** Errors thrown by body parsers carry a status and a type; they are the client's fault. */
function fromParserError(err: unknown): HttpError | null {
  const e = err as { status?: number; type?: string; expose?: boolean; message?: string };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500) return null;
  if (e.type === 'entity.too.large') return new HttpError(413, 'payload_too_large', 'The request body is too large');
  if (e.type === 'entity.parse.failed') return new HttpError(400, 'invalid_json', 'The request body is not valid JSON');
  return new HttpError(e.status, 'bad_request', e.expose && e.message ? e.message : 'Bad request');
}

/** A feature service's refusal, as HTTP: the kind decides the status (see src/domain-error.ts). */
function fromDomainError(err: unknown): HttpError | null {
  if (!(err instanceof DomainError)) return null;
  const o = err.options;
  const code = o.code ?? (err.kind === 'invalid' ? 'validation_failed' : err.kind);
  return new HttpError(DOMAIN_ERROR_KINDS[err.kind], code, err.message, o.details ?? [], o.messageKey, o.messageVars ?? {});
}

/** Seconds a client is asked to wait before trying again while the database is unreachable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * A unique violation from a race the code's own check lost is a conflict, not a crash. A database that
 * cannot be reached right now (refused, restarting, shutting down: ECONNREFUSED, 57P01, 57P03 …) is a 503
 * "please try again", never a 500.
 */
function fromDatabaseError(err: unknown): HttpError | null {
  const e = err as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  if (code === '23505') return new HttpError(409, 'conflict', 'That already exists');
  if (isDatabaseUnavailable(err)) return new HttpError(503, 'database_unavailable', 'The database is briefly unavailable, please try again', [], 'error.unavailablePage');
  return null;
}

export function notFoundHandler(_req: Request, _res: Response, next: NextFunction): void {
  next(notFound());
}

/** The one place that turns errors into JSON (under /api) or a page in the visitor's language. */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof RenderedError) return;
  const httpError = err instanceof HttpError ? err : fromDomainError(err) ?? fromParserError(err) ?? fromDatabaseError(err);
  if (!httpError) req.log?.error({ err }, 'unhandled error');
  else if (httpError.status === 503) req.log?.warn({ code: httpError.code }, 'database unavailable');
  const status = httpError?.status ?? 500;
  const code = httpError?.code ?? 'internal_error';
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 503) res.set('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  if (isApiRequest(req)) {
    res.status(status).json({ error: { code, message: httpError?.message ?? 'Internal server error', details: httpError?.details ?? [] } });
    return;
  }
  const locale = res.locals.locale ?? resolveLocale(req, { choice: req.query?.lang });
  const key: MessageKey = httpError?.messageKey ?? (status === 404 ? 'error.notFound' : status === 429 ? 'error.tooMany' : status < 500 ? 'error.badRequest' : 'error.server');
  res.status(status).render('errors/error', {
    // A logged-in team member keeps the dashboard's navigation; respondents get the plain survey layout.
    layout: res.locals.user ? 'dashboard' : 'public',
    locale,
    title: t(locale, 'error.title'),
    message: t(locale, key, httpError?.messageVars),
    status,
    brand: res.locals.user ? null : res.locals.brand ?? null,
    respondent: !res.locals.user,
  });
}
