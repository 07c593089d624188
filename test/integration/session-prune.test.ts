import { QUEUES, SESSION_PRUNE_SCHEDULE, startJobs } from '../../src/jobs';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';

/** Expired dashboard sessions are deleted by a scheduled job on the queue, not by a timer in each instance. */

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

test('the session-prune job deletes expired sessions and keeps live ones', async () => {
  await t.db.query(`INSERT INTO session (sid, sess, expire) VALUES
    ('expired', '{"cookie":{}}', now() - interval '1 hour'), ('live', '{"cookie":{}}', now() + interval '1 hour')`);
  const jobs = await startJobs({ ...t, logger: t.logger });
  try {
    expect((await jobs.boss.getSchedules()).find((s) => s.name === QUEUES.sessionPrune)?.cron).toBe(SESSION_PRUNE_SCHEDULE);
    // What the schedule sends at each tick, sent now.
    const id = await jobs.boss.send(QUEUES.sessionPrune, {});
    await eventually(async () => (await jobs.boss.getJobById(QUEUES.sessionPrune, id as string))?.state === 'completed',
      { what: 'the prune job to complete' });
  } finally {
    await jobs.stop();
  }
  expect(await t.db.query(`SELECT sid FROM session WHERE sid IN ('expired', 'live') ORDER BY sid`)).toEqual([{ sid: 'live' }]);
});
