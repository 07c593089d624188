import type { NextFunction, Request, Response } from 'express';
import { resolveLocale } from '../../i18n';
import type { SessionUser } from './auth';
import { hasRole } from './auth';

/**
 * What every dashboard view needs: the language (the session's choice, then the user's, then the
 * browser's), the user and what their role allows, the current path for the navigation, a flash message.
 */
export function dashboardContext(req: Request, res: Response, next: NextFunction): void {
  const user = res.locals.user as SessionUser | undefined;
  res.locals.locale = resolveLocale(req, { choice: req.session?.locale, contact: user?.locale ?? null });
  res.locals.currentPath = req.path;
  res.locals.returnTo = req.originalUrl;
  res.locals.canEdit = hasRole(user, 'editor');
  res.locals.isAdmin = hasRole(user, 'admin');
  if (req.session?.flash) {
    res.locals.flash = req.session.flash;
    delete req.session.flash;
  }
  next();
}
