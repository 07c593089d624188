import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import type { AppDeps } from '../../src/deps';
import { JobQueue } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { createApiKey } from '../../src/modules/auth';
import { createTestDatabase } from './database';

export interface TestApp extends AppDeps {
  app: Express;
  db: DataSource;
  config: Config;
  apiKey: string;
  close(): Promise<void>;
}

export const TEST_BASE_URL = 'http://touchpoint.test';

/** createApp() on a fresh database, with an API key ready for Authorization headers. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    BASE_URL: TEST_BASE_URL,
    DATA_DIR: path.join(os.tmpdir(), 'touchpoint-test-data'),
    SESSION_SECRET: 'test-session-secret-test-session-secret',
    DATABASE_URL: database.url,
    ...env,
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const queue = new JobQueue(database.db, logger);
  const app = createApp({ db: database.db, config, logger, queue });
  const { key } = await createApiKey(database.db, 'tests');
  return {
    app, db: database.db, config, logger, queue, apiKey: key,
    async close() {
      await queue.stop();
      await database.drop();
    },
  };
}
