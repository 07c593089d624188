import type { NextFunction, Request, Response } from 'express';
import { csrfSync } from 'csrf-sync';
import { HttpError } from '../errors';

/**
 * Synchroniser-token CSRF protection (csrf-sync): the token lives in the session, every form carries it
 * as `_csrf` (views: {{> csrf}}), and every POST without the right one is refused with a 403.
 */
const { csrfSynchronisedProtection, generateToken, getTokenFromState } = csrfSync({
  getTokenFromRequest: (req) => (req.body as Record<string, unknown> | undefined)?._csrf as string ?? req.get('x-csrf-token'),
});

/**
 * Gives views a way to get the token ({{> csrf}}). It is created only when a form is rendered, so
 * requests that show no form (404s from crawlers, redirects) never create a session.
 */
export function csrfToken(req: Request, res: Response, next: NextFunction): void {
  let token: string | undefined;
  res.locals.csrfTokenFn = () => (token ??= generateToken(req));
  next();
}

export function csrfProtection(req: Request, res: Response, next: NextFunction): void {
  csrfSynchronisedProtection(req, res, (err?: unknown) => {
    if (err) return next(new HttpError(403, 'csrf', 'Invalid or missing CSRF token', [], 'error.csrf'));
    next();
  });
}

/**
 * For multipart forms, whose fields no body parser reads: true when `token` (the form's `_csrf` field,
 * placed before the file input) is this session's token. The upload is refused before its file is read.
 */
export function isCsrfTokenValid(req: Request, token: unknown): boolean {
  const stored = getTokenFromState(req);
  return typeof token === 'string' && typeof stored === 'string' && token === stored;
}
