/**
 * Polls `check` until it returns a value other than false/undefined/null (or stops throwing), and returns it.
 * Fails with the last error, or with `what`, after `timeoutMs`. The one way tests wait for a condition.
 */
export async function eventually<T>(check: () => T | Promise<T>, opts: { timeoutMs?: number; what?: string; intervalMs?: number } = {}): Promise<Exclude<T, false | null | undefined>> {
  const until = Date.now() + (opts.timeoutMs ?? 15_000);
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== null && value !== undefined) return value as Exclude<T, false | null | undefined>;
      lastError = null;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until) {
      if (lastError instanceof Error) throw lastError;
      throw new Error(`timed out waiting for ${opts.what ?? 'a condition'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 50));
  }
}
