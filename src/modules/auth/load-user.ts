import type { NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../../deps';
import { getSessionUser } from './users.service';

/** res.locals.user from the session's user id (a deleted user is logged out). */
export function loadUser({ db }: AppDeps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const id = req.session?.userId;
    if (id) {
      const user = await getSessionUser(db, id);
      if (user) res.locals.user = user;
      else delete req.session.userId;
    }
    next();
  };
}
