import 'reflect-metadata';
import { DataSource } from 'typeorm';
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

/** The one DataSource of the app. Schema changes come from migrations only, never `synchronize`. */
export function createDataSource(url: string, opts: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
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
