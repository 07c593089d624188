/**
 * Usage: {{t (concat "role." user.role)}}
 * Joins its arguments into one string (Handlebars passes an options object last, which is dropped).
 */
export function concat(...args: unknown[]): string {
  return args.slice(0, -1).map(String).join('');
}
