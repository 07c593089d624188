/**
 * Usage: {{#if (startsWith currentPath "/manage/surveys")}}…{{/if}}
 * True when the path is the prefix or below it, for the active navigation entry.
 */
export function startsWith(path: unknown, prefix: unknown): boolean {
  return typeof path === 'string' && typeof prefix === 'string' && (path === prefix || path.startsWith(`${prefix}/`));
}
