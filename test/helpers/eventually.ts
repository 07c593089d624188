export interface EventuallyOptions {
  /** Give up after this long; 15 s by default. */
  timeoutMs?: number;
  /** What is awaited, for the timeout's message; a function is asked at the timeout (to report the last state seen). */
  what?: string | (() => string);
  /** Wait between two checks; 50 ms by default. */
  intervalMs?: number;
}

/**
 * Polls `check` until it returns a value other than false/undefined/null (or stops throwing), and returns it.
 * Fails with the last error, or with `what`, after `timeoutMs`. The one way tests wait for a condition.
 */
export async function eventually<T>(check: () => T | Promise<T>, opts: EventuallyOptions = {}): Promise<Exclude<T, false | null | undefined>> {
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
      const what = typeof opts.what === 'function' ? opts.what() : opts.what;
      throw new Error(`timed out after ${opts.timeoutMs ?? 15_000} ms waiting for ${what ?? 'a condition'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 50));
  }
}
