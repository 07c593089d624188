import type { DataSource } from 'typeorm';
import type { Config } from './config';
import type { JobQueue } from './jobs/queue';
import type { Logger } from './logger';

/** What every router, page and job receives: the one database, the frozen config, the logger and the one job queue. */
export interface AppDeps {
  db: DataSource;
  config: Config;
  logger: Logger;
  queue: JobQueue;
}
