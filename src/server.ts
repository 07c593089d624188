import http from 'node:http';
import { bootstrap } from './bootstrap';
import type { Database } from './db';
import { createApp } from './app';
import { JobQueue, startJobs } from './jobs';
import { userCount } from './modules/auth';

/** Stops accepting connections, lets requests in flight finish (up to 20 s), then closes the database. */
const DRAIN_TIMEOUT_MS = 20_000;

async function main(): Promise<void> {
  const { config, logger, database } = await bootstrap();
  const queue = new JobQueue(database.db, logger);
  await queue.start();
  const deps = { db: database.db, config, logger, queue };
  const app = createApp(deps);
  const server = http.createServer(app);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  const jobs = await startJobs(deps);
  logger.info({ url: config.baseUrl, port: config.port, embeddedDatabase: database.embedded?.clusterDir ?? null }, 'Touchpoint is listening');
  const firstRun = (await userCount(database.db)) === 0;
  process.stdout.write(`\nTouchpoint is running at ${config.baseUrl}\n  health: ${config.baseUrl}/healthz\n` +
    `  database: ${describeDatabase(database.embedded, config.dataDir)}\n` +
    (firstRun ? `  first-run setup (create the first admin): ${config.baseUrl}/setup\n` : `  dashboard: ${config.baseUrl}/login\n`) + '\n');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS).unref();
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(timer);
    await jobs.stop();
    await queue.stop();
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  // Ctrl-C signals the whole foreground process group; the embedded PostgreSQL runs in its own group, so
  // only we get it, drain, and then stop the database in database.close().
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function describeDatabase(embedded: Database['embedded'], dataDir: string): string {
  if (!embedded) return 'PostgreSQL at DATABASE_URL';
  if (!embedded.relocated) return `embedded PostgreSQL, data in ${embedded.clusterDir}`;
  return `embedded PostgreSQL, data in ${embedded.clusterDir}\n    (linked from ${dataDir}/pg: the "postgres" user it runs as cannot reach ${dataDir})`;
}

main().catch((err) => {
  process.stderr.write(`Touchpoint could not start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
