import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { check } from '../../web/middleware/validate';
import { resolveDayRange, serialParam } from '../../web/params';
import { notFound } from '../../web/errors';
import { getSettings } from '../settings';
import { createTopicSchema, themesQuerySchema, type ThemesQuery } from './themes.schemas';
import { createTopic, deleteTopic, getThemes, listTopics, type Theme, type Topic } from './themes.service';
import { enqueueTopicCount } from './themes.jobs';

const themeToApi = (t: Theme) => ({
  phrase: t.phrase,
  language: t.language,
  count: t.count,
  share: t.share,
  examples: t.examples.map((e) => e.comment),
  impact: t.impact
    ? { kind: t.impact.kind, with: t.impact.with, without: t.impact.without, nWith: t.impact.nWith, nWithout: t.impact.nWithout, delta: t.impact.delta, significant: t.impact.significant }
    : null,
  emerging: t.emerging,
});

const topicToApi = (t: Topic) => ({ id: t.id, name: t.name, keywords: t.keywords, counted: t.counted, createdAt: t.createdAt.toISOString() });

/** GET /themes; GET, POST /topics and DELETE /topics/:id. */
export function themesApiRouter({ db, queue }: AppDeps): Router {
  const router = Router();
  router.get('/themes', async (req, res) => {
    const q = check<ThemesQuery>(themesQuerySchema, req.query);
    const settings = await getSettings(db);
    const range = resolveDayRange(q, settings.timeZone);
    const result = await getThemes(db, { scope: { touchpoint: q.touchpoint, stage: q.stage, survey: q.survey }, group: q.group, range, language: q.lang, limit: q.limit });
    res.json({
      from: range.from, to: range.to, weeks: result.weeks, group: result.group, comments: result.comments,
      items: result.items.map(themeToApi),
    });
  });
  router.get('/topics', async (_req, res) => {
    res.json({ items: (await listTopics(db)).map(topicToApi) });
  });
  router.post('/topics', async (req, res) => {
    const input = check<{ name: { vi: string; en: string }; keywords: string[] }>(createTopicSchema, req.body);
    const boss = await queue.start();
    const topic = await createTopic(db, input, (id) => enqueueTopicCount(boss, id));
    res.status(201).json(topicToApi(topic));
  });
  router.delete('/topics/:id', async (req, res) => {
    const id = serialParam(req.params.id);
    if (id === null) throw notFound('No such topic');
    await deleteTopic(db, id);
    res.status(204).end();
  });
  return router;
}
