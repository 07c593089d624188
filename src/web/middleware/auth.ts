import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../errors';
import type { Role } from '../../modules/auth/user.entity';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: 'vi' | 'en';
}

const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

export function hasRole(user: SessionUser | undefined, min: Role): boolean {
  return !!user && RANK[user.role] >= RANK[min];
}

/** Anonymous visitors go to the login page (pages) or get a 401 (other requests); too low a role gets a 403. */
export function requireRole(min: Role) {
  return (req: Request, res: Response, next: NextFunction) => {
    const user = res.locals.user as SessionUser | undefined;
    if (!user) {
      if (req.method === 'GET' && req.accepts('html')) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      throw new HttpError(401, 'unauthorized', 'Log in first', [], 'error.forbidden');
    }
    if (!hasRole(user, min)) throw new HttpError(403, 'forbidden', 'Your role does not allow this', [], 'error.forbidden');
    next();
  };
}
