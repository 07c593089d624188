import { ROUTE_RULES } from '../../src/web/dashboard-router';
import type { LoggedInRole } from './world';

export { registeredRoutes } from '../helpers/routes';

/**
 * Every route registered in Express, found from the router stack (nested routers under their mount
 * path), as test/integration/roles.test.ts finds the dashboard's. A route added anywhere is listed here,
 * so the suite tries it without being told; without a plan it is still tried and reported.
 */

export type RoleName = 'anonymous' | LoggedInRole | 'api';
export type Area = 'api' | 'public' | 'reports' | 'contacts' | 'manage';

export interface RouteRef { method: 'get' | 'post' | 'delete'; path: string }


export const routeKey = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;

/** Login, logout, language and first-run setup: reached by strangers and by logged-in users alike. */
export const AUTH_PATHS = ['/', '/login', '/logout', '/locale', '/setup'];

/**
 * Which test file tries a route. Anything not matched by the first four is the dashboard's
 * management area, so a route added under a new prefix is still tried (and reported without a plan).
 */
export function areaOf(path: string): Area {
  if (path === '/api' || path.startsWith('/api/')) return 'api';
  if (/^\/[siu]\//.test(path) || path === '/healthz' || AUTH_PATHS.includes(path)) return 'public';
  if (/^\/(overview|journey-map|surveys|touchpoints|responses|follow-ups)(\/|$)/.test(path)) return 'reports';
  if (/^\/manage\/(contacts|mailbox)(\/|$)/.test(path) || /^\/manage\/surveys\/:id\/send(\/|$)/.test(path)) return 'contacts';
  return 'manage';
}

/**
 * The roles a route is tried as, and the one that gets every payload in every field (the least role the
 * route serves); the others get each payload in all fields at once. Public survey and unsubscribe pages
 * read no session (they are mounted before it), so a logged-in cookie is the same stranger there.
 */
export function rolesOf(route: { method: string; path: string }): { primary: RoleName; all: RoleName[] } {
  const area = areaOf(route.path);
  if (area === 'api') return { primary: 'api', all: ['api', 'anonymous'] };
  if (AUTH_PATHS.includes(route.path)) return { primary: 'anonymous', all: ['anonymous', 'viewer', 'editor', 'admin'] };
  if (area === 'public') return { primary: 'anonymous', all: ['anonymous'] };
  const rule = ROUTE_RULES.find((r) => r.method === route.method && r.path === route.path);
  const primary: RoleName = rule?.role ?? 'admin';
  return { primary, all: ['anonymous', 'viewer', 'editor', 'admin'] };
}
