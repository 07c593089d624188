import type { Express } from 'express';

/** Reading Express's router stack: every (method, full path) a test must cover. */
interface RouteLike { path: string | string[]; methods: Record<string, boolean | undefined> }
interface LayerLike { route?: RouteLike; handle?: { stack?: LayerLike[] }; rawPath?: unknown }

function scan(stack: LayerLike[], prefix: string): Array<{ method: string; path: string }> {
  const found: Array<{ method: string; path: string }> = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const method of Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m] && m !== '_all')) {
        for (const p of paths) found.push({ method, path: prefix + p });
      }
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      found.push(...scan(layer.handle.stack, prefix + mount));
    }
  }
  return found;
}

/** Every (method, full path) in the app's router stack, nested routers under their mount path, each once. */
export function registeredRoutes(app: Express): Array<{ method: string; path: string }> {
  const stack = (app as unknown as { router: { stack: LayerLike[] } }).router.stack;
  const seen = new Set<string>();
  return scan(stack, '').filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
