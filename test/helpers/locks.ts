import { Client } from 'pg';
import type { TestApp } from './app';
import { eventually } from './eventually';

const LOCK_MODES = {
  'SHARE': 'ShareLock',
  'SHARE ROW EXCLUSIVE': 'ShareRowExclusiveLock',
  'EXCLUSIVE': 'ExclusiveLock',
} as const;
export type TableLockMode = keyof typeof LOCK_MODES;

export interface HeldLock {
  /** Resolves once `count` other sessions wait for this very lock (same table, same mode) in the test's database. */
  waitedOnBy(count: number): Promise<void>;
  /** Commits and closes the holding session; safe to call twice. */
  release(): Promise<void>;
}

/**
 * A second session holding `LOCK TABLE <table> IN <mode> MODE`, as a concurrent writer would. A race test
 * takes the lock the code under test takes, starts its requests, waits until they queue on that lock in
 * pg_locks (proof they got there, and that the code really asks for it), then releases it.
 */
export async function holdTableLock(t: TestApp, table: string, mode: TableLockMode): Promise<HeldLock> {
  const client = new Client({ connectionString: t.config.databaseUrl ?? undefined });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
  let open = true;
  return {
    async waitedOnBy(count) {
      await eventually(async () => {
        const [{ n }] = await t.db.query(
          `SELECT count(*)::int AS n FROM pg_locks
           WHERE locktype = 'relation' AND NOT granted AND mode = $2 AND relation = $1::regclass
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [table, LOCK_MODES[mode]]);
        return n >= count;
      }, { what: `${count} session(s) waiting for ${mode} on ${table}` });
    },
    async release() {
      if (!open) return;
      open = false;
      await client.query('COMMIT');
      await client.end();
    },
  };
}
