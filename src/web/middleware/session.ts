import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import type { Pool } from 'pg';
import type { AppDeps } from '../../deps';
import type { Locale } from '../../i18n';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    locale?: Locale;
    flash?: { kind: 'ok' | 'error'; text: string };
  }
}

const EIGHT_HOURS_MS = 8 * 60 * 60 * 1000;

/** Sessions in PostgreSQL (table `session`, created by a migration), cookie HttpOnly + SameSite=Lax. */
export function sessionMiddleware({ db, config }: AppDeps) {
  const PgStore = connectPgSimple(session);
  // The TypeORM driver's own pg pool: no second pool to size and drain.
  const pool = (db.driver as unknown as { master: Pool }).master;
  return session({
    name: 'tp.sid',
    secret: config.sessionSecret,
    // Expired sessions are deleted by the scheduled session-prune job (src/jobs), not by a timer in every instance.
    store: new PgStore({ pool, tableName: 'session', createTableIfMissing: false, pruneSessionInterval: false }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.baseUrl.startsWith('https://'),
      maxAge: EIGHT_HOURS_MS,
    },
  });
}
