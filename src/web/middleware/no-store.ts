import type { NextFunction, Request, Response } from 'express';

/**
 * Dashboard pages and exports hold personal data (contacts, answers, colleagues): no browser cache, proxy
 * or back button keeps a copy. Mounted on the whole dashboard side; a route may still send a stricter
 * value. Static assets, the public survey pages and the API are mounted before it and keep their own.
 */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  next();
}
