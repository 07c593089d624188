import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { answer, makeSurvey } from '../helpers/factories';
import { startThemeJobs, THEME_QUEUES } from '../../src/modules/themes';

/**
 * The themes' jobs on the app's one queue: a new topic's first count runs as its own job, and the
 * analysis tick drains the comment log (sent here at once instead of waiting for the minute's schedule).
 */
let t: TestApp;
let jobs: { stop(): Promise<void> };
const { get, post } = apiClient(() => t);

beforeAll(async () => {
  t = await startTestApp();
  const boss = await t.queue.start();
  jobs = await startThemeJobs({ db: t.db, logger: t.logger, boss });
  // The tests send the analysis themselves: a scheduled tick at a minute's turn would drain the log under them.
  await boss.unschedule(THEME_QUEUES.analyse);
});

afterAll(async () => {
  await jobs?.stop();
  await t?.close();
});

it('counts a new topic in its job, and new comments in the analysis tick', async () => {
  const survey = await makeSurvey(t, { kind: 'csat', touchpoint: { key: 'hotline' } });
  for (let i = 0; i < 3; i++) await answer(t, survey.id, { score: 1, comment: 'Chờ lâu quá', answeredAt: '2026-11-04T10:00:00+07:00' });
  const created = await post('/topics', { name: { vi: 'Thời gian chờ', en: 'Waiting' }, keywords: ['cho lau'] });
  expect(created.status).toBe(201);
  await eventually(async () => (await get('/topics')).body.items[0].counted === true, { timeoutMs: 30_000 });
  // The three answers are still waiting in the log: the first count leaves them to the analysis.
  const topicCount = async () => (await t.db.query(`SELECT coalesce(sum(n), 0)::int AS n FROM topic_week_counts WHERE topic_id = $1`, [created.body.id]))[0].n;
  expect(await topicCount()).toBe(0);

  await (await t.queue.start()).send(THEME_QUEUES.analyse, {});
  const items = await eventually(async () => {
    const res = await get('/themes?touchpoint=hotline&group=detractor&from=2026-11-02&to=2026-11-08');
    return res.body.items.length > 0 ? res.body.items : null;
  }, { timeoutMs: 30_000 });
  expect(items[0]).toMatchObject({ phrase: 'chờ lâu quá', count: 3 });
  const [{ left }] = await t.db.query(`SELECT count(*)::int AS left FROM comment_analysis_log`);
  expect(left).toBe(0);
  expect(await topicCount()).toBe(3);
});
