import { Router, type RequestHandler } from 'express';
import type { Role } from '../modules/auth/user.entity';
import { requireRole } from './middleware/auth';

export type Method = 'get' | 'post';

/** Every dashboard route with the least role that may use it. The role table test reads this list. */
export interface RouteRule { method: Method; path: string; role: Role }
export const ROUTE_RULES: RouteRule[] = [];

/**
 * A router whose routes cannot be declared without a role: `route('get', '/surveys', 'viewer', handler)`.
 * Rules are recorded once per path, so building the app twice (tests) does not repeat them.
 */
export function dashboardRouter() {
  const router = Router();
  function route(method: Method, path: string, role: Role, ...handlers: RequestHandler[]) {
    if (!ROUTE_RULES.some((r) => r.method === method && r.path === path)) ROUTE_RULES.push({ method, path, role });
    router[method](path, requireRole(role), ...handlers);
  }
  return { router, route };
}
