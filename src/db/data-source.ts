import 'reflect-metadata';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import type { Logger } from '../logger';
import { migrations } from '../../migrations';
import { Settings } from '../modules/settings/settings.entity';
import { User } from '../modules/auth/user.entity';
import { ApiKey } from '../modules/auth/api-key.entity';
import { KpiTarget } from '../modules/journeys/kpi-target.entity';
import { Stage } from '../modules/journeys/stage.entity';
import { Touchpoint } from '../modules/journeys/touchpoint.entity';
import { Survey } from '../modules/surveys/survey.entity';
import { Contact } from '../modules/contacts/contact.entity';
import { Invitation } from '../modules/invitations/invitation.entity';
import { SurveyResponse } from '../modules/responses/response.entity';
import { FollowUp } from '../modules/follow-ups/follow-up.entity';

export const entities = [Settings, User, ApiKey, Stage, Touchpoint, KpiTarget, Survey, Contact, Invitation, SurveyResponse, FollowUp];

/** Long statements (a 1,000-row batch insert) are cut in the log: the start says which statement it was. */
const LOGGED_SQL_LENGTH = 500;

function sqlForLog(query: string): string {
  const sql = query.replace(/\s+/g, ' ').trim();
  return sql.length > LOGGED_SQL_LENGTH ? `${sql.slice(0, LOGGED_SQL_LENGTH)}…` : sql;
}

/**
 * TypeORM's log, through the app's logger: a failed or slow query is logged with its SQL text, its error
 * code and message, never its bound parameters (a password hash, an import batch's emails and names) nor
 * PostgreSQL's detail, which quotes the failing row. Successful queries are not logged.
 */
export class DatabaseLogger implements TypeOrmLogger {
  private readonly out: Logger;

  constructor(logger: Logger) {
    this.out = logger.child({ component: 'database' });
  }

  logQuery(): void {}

  // The bound parameters TypeORM passes as the third argument are deliberately never read.
  logQueryError(error: string | Error, query: string, _parameters?: unknown): void {
    const e = (typeof error === 'string' ? { message: error } : error) as { message: string; code?: string; constraint?: string; table?: string };
    this.out.warn({ sql: sqlForLog(query), code: e.code, constraint: e.constraint, table: e.table, reason: e.message }, 'query failed');
  }

  logQuerySlow(time: number, query: string, _parameters?: unknown): void {
    this.out.warn({ sql: sqlForLog(query), ms: time }, 'slow query');
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.out.debug(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : String(message);
    if (level === 'warn') this.out.warn(text);
    else this.out.debug(text);
  }
}

/**
 * The one DataSource of the app. Schema changes come from migrations only, never `synchronize`. With a
 * logger, failed queries are logged through it (see DatabaseLogger); without one, TypeORM logs nothing.
 */
export function createDataSource(url: string, opts: { poolSize?: number; logger?: Logger } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
    ...(opts.logger ? { logger: new DatabaseLogger(opts.logger) } : {}),
    extra: {
      max: opts.poolSize ?? 10,
      // A dead connection (PostgreSQL restarted) is dropped from the pool instead of failing every later query.
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    },
  });
}

export async function runMigrations(db: DataSource): Promise<string[]> {
  const ran = await db.runMigrations({ transaction: 'each' });
  return ran.map((m) => m.name);
}
