import type { NextFunction, Request, Response } from 'express';
import type { DataSource } from 'typeorm';
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

/** res.locals.user from the session's user id (a deleted user is logged out). */
export function loadUser(db: DataSource) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const id = req.session?.userId;
    if (id) {
      const rows: SessionUser[] = await db.query(`SELECT id, email, name, role, locale FROM users WHERE id = $1`, [id]);
      if (rows[0]) res.locals.user = rows[0];
      else delete req.session.userId;
    }
    next();
  };
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
