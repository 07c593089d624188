import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Logger } from '../../logger';
import { analysePendingComments } from './analysis';
import { countNewTopic, uncountedTopics } from './themes.service';

/**
 * Themes on the app's one job queue: a tick every minute drains the comment log (singleton across
 * instances, so batches never interleave), and a topic's first count runs as its own job.
 */
export const THEME_QUEUES = {
  analyse: 'comment-themes',
  topicCount: 'topic-count',
} as const;

export const THEMES_SCHEDULE = '* * * * *';
/** A tick stops after this long and leaves the rest to the next one (a big import is drained over several). */
const TICK_BUDGET_MS = 50_000;

export interface TopicCountJob { topicId: number }

export async function createThemeQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(THEME_QUEUES.analyse, { name: THEME_QUEUES.analyse, policy: 'singleton', retryLimit: 0 });
  await boss.createQueue(THEME_QUEUES.topicCount, { name: THEME_QUEUES.topicCount, policy: 'standard', retryLimit: 5, retryDelay: 30, retryBackoff: true });
}

/** Queues a new topic's first count. */
export async function enqueueTopicCount(boss: PgBoss, topicId: number): Promise<void> {
  const job: TopicCountJob = { topicId };
  await boss.send(THEME_QUEUES.topicCount, job);
}

export async function startThemeJobs({ db, logger, boss }: { db: DataSource; logger: Logger; boss: PgBoss }): Promise<{ stop(): Promise<void> }> {
  const log = logger.child({ component: 'themes' });
  await createThemeQueues(boss);
  await boss.schedule(THEME_QUEUES.analyse, THEMES_SCHEDULE, {}, { tz: 'UTC' });
  await boss.work(THEME_QUEUES.analyse, async () => {
    const started = Date.now();
    // A topic whose first count was never queued (its job lost, or created by hand) is counted here.
    for (const id of await uncountedTopics(db)) await countNewTopic(db, id);
    let analysed = 0;
    for (;;) {
      const n = await analysePendingComments(db);
      analysed += n;
      if (n === 0 || Date.now() - started > TICK_BUDGET_MS) break;
    }
    if (analysed > 0) log.info({ analysed, ms: Date.now() - started }, 'comments analysed');
  });
  await boss.work<TopicCountJob>(THEME_QUEUES.topicCount, async ([job]) => {
    await countNewTopic(db, job.data.topicId);
  });
  return {
    async stop() {
      await boss.offWork(THEME_QUEUES.analyse);
      await boss.offWork(THEME_QUEUES.topicCount);
    },
  };
}
