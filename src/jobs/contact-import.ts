import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { failContactImport, runContactImport } from '../modules/contacts';
import { CONTACT_IMPORT_QUEUE_OPTIONS, enqueueContactImport, QUEUES, type ContactImportJob } from './queue';

export interface ContactImportOptions {
  /**
   * How long one job works on an import before it queues the rest as a new job: well under the queue's
   * expiry, so only a dead process's job ever expires, and imports queued behind a big one get their turn.
   */
  sliceMs: number;
  retryLimit: number;
  /** Seconds before the first retry of a failed attempt (then doubling). */
  retryDelaySeconds: number;
}

export const DEFAULT_CONTACT_IMPORT_OPTIONS: ContactImportOptions = {
  sliceMs: 60_000,
  retryLimit: CONTACT_IMPORT_QUEUE_OPTIONS.retryLimit,
  retryDelaySeconds: CONTACT_IMPORT_QUEUE_OPTIONS.retryDelay,
};

/**
 * The contact import worker. A job runs its import from the last committed chunk; it pauses after about
 * `sliceMs`, or at once when the app stops, and queues the rest, so a restart loses nothing and repeats
 * nothing. A process killed mid-import leaves its job active: pg-boss expires and retries it, and the
 * retry goes on from the last committed chunk. An attempt that fails is retried with backoff; on the last
 * one the import is reported failed, and an import whose last attempt was cut off arrives in the dead
 * letter queue, where it is reported interrupted.
 */
export async function startContactImports(
  { db, logger, boss }: { db: DataSource; logger: Logger; boss: PgBoss },
  options: Partial<ContactImportOptions> = {},
) {
  const opts = { ...DEFAULT_CONTACT_IMPORT_OPTIONS, ...options };
  const log = logger.child({ component: 'contact-import' });
  const running = new Set<Promise<void>>();
  const stopping = new AbortController();

  await boss.updateQueue(QUEUES.contactImport, {
    name: QUEUES.contactImport,
    ...CONTACT_IMPORT_QUEUE_OPTIONS,
    retryLimit: opts.retryLimit,
    retryDelay: opts.retryDelaySeconds,
  });

  async function runSlice(job: PgBoss.JobWithMetadata<ContactImportJob>): Promise<void> {
    const { importId } = job.data;
    try {
      const outcome = await runContactImport(db, importId, { pauseAfter: Date.now() + opts.sliceMs, signal: stopping.signal, logger: log });
      if (outcome === 'paused') await enqueueContactImport(boss, importId);
    } catch (err) {
      const lastAttempt = job.retryCount >= job.retryLimit;
      log.error({ err, importId, attempt: job.retryCount + 1, lastAttempt }, 'contact import attempt failed');
      if (lastAttempt) await failContactImport(db, importId, 'error');
      throw err;
    }
  }

  await boss.work<ContactImportJob>(QUEUES.contactImport, { includeMetadata: true, pollingIntervalSeconds: 1 }, async ([job]) => {
    const slice = runSlice(job);
    running.add(slice);
    try {
      await slice;
    } finally {
      running.delete(slice);
    }
  });

  // Only an attempt cut off by a dead process reaches here unreported (a failing one reported itself).
  await boss.work<ContactImportJob>(QUEUES.contactImportFailed, async ([job]) => {
    if (await failContactImport(db, job.data.importId, 'interrupted')) log.warn({ importId: job.data.importId }, 'contact import interrupted too often: given up');
  });

  return {
    /** Imports in progress pause after their current chunk and queue the rest; waits for them. */
    async stop(): Promise<void> {
      stopping.abort();
      await boss.offWork(QUEUES.contactImport);
      await boss.offWork(QUEUES.contactImportFailed);
      await Promise.allSettled([...running]);
    },
  };
}
