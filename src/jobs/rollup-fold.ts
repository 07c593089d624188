import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { foldRollupDeltas } from '../modules/metrics';

/** How often the deltas written by the answer triggers are folded into the rollups. */
export const FOLD_INTERVAL_MS = 1000;

export interface RollupFolder {
  /** Stops the timer and waits for a fold in progress to commit. */
  stop(): Promise<void>;
}

/**
 * The rollup folder: every second, moves the score deltas appended by the triggers on `responses` into
 * the rollups (foldRollupDeltas). pg-boss schedules are minute-grained, so this is an in-process timer,
 * started and stopped with the other jobs; across instances one folds at a time (an advisory lock), the
 * others find the lock taken and wait for the next tick. A failed fold leaves the deltas where they are
 * (readers count them anyway) and the next tick tries again.
 */
export function startRollupFold(
  { db, logger }: { db: DataSource; logger: Logger },
  // `fold`: another folder on the same timer discipline (the segment rollups' foldSegmentRollups).
  opts: { intervalMs?: number; fold?: (db: DataSource) => Promise<unknown>; name?: string } = {},
): RollupFolder {
  const fold = opts.fold ?? foldRollupDeltas;
  const interval = opts.intervalMs ?? FOLD_INTERVAL_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const tick = () => {
    timer = null;
    running = (async () => {
      try {
        await fold(db);
      } catch (err) {
        if (!stopped) logger.warn({ err }, `${opts.name ?? 'rollup'} fold failed`);
      }
    })().finally(() => {
      running = null;
      if (!stopped) timer = setTimeout(tick, interval);
    });
  };
  timer = setTimeout(tick, interval);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (running) await running;
    },
  };
}
