import 'dotenv/config';
import { ConfigError, loadConfig, type Config } from './config';
import { EmbeddedDatabaseError, openDatabase, type Database } from './db';
import { createLogger, type Logger } from './logger';

export interface Runtime {
  config: Config;
  logger: Logger;
  database: Database;
}

/** Shared start-up of the server and the CLIs: config (fail fast), logger, database with migrations. */
export async function bootstrap(opts: { poolSize?: number; logLevel?: string } = {}): Promise<Runtime> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger(opts.logLevel ?? config.logLevel);
  let database: Database;
  try {
    database = await openDatabase(config, { poolSize: opts.poolSize, logger });
  } catch (err) {
    if (err instanceof EmbeddedDatabaseError) {
      process.stderr.write(`Touchpoint could not start its embedded database.\n${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  return { config, logger, database };
}
