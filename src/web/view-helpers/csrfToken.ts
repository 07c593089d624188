import type { HelperOptions } from 'handlebars';

/**
 * Usage: <input type="hidden" name="_csrf" value="{{csrfToken}}"> (the partial {{> csrf}} does this)
 * The session's CSRF token, created on first use by the request's csrfTokenFn.
 */
export function csrfToken(options: HelperOptions): string {
  const root = options.data?.root as { csrfTokenFn?: () => string } | undefined;
  if (!root?.csrfTokenFn) throw new Error('csrfToken used outside a dashboard request');
  return root.csrfTokenFn();
}
