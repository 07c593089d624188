/**
 * Usage: {{#if (eq a b)}}…{{/if}}
 * Strict equality, for selected options and the active navigation entry.
 */
export function eq(a: unknown, b: unknown): boolean {
  return a === b;
}
