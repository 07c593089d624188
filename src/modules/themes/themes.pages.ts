import type { Request, Response, Router } from 'express';
import Joi from 'joi';
import type { AppDeps } from '../../deps';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { csrfProtection } from '../../web/middleware/csrf';
import { hasRole } from '../../web/middleware/auth';
import { manageForm, redirectWithFlash, validateForm } from '../../web/forms';
import { formatterFor } from '../../web/format';
import { HttpError, notFound } from '../../web/errors';
import { serialParam } from '../../web/params';
import { filterQuery, getJourneyCatalog, parseDashboardFilters, type FilterName } from '../metrics';
import { getSettings } from '../settings';
import { topicFormSchema, type TopicForm } from './themes.schemas';
import { createTopic, deleteTopic, getThemes, getTopicSummaries } from './themes.service';
import { enqueueTopicCount } from './themes.jobs';
import { themeView, topicView } from './themes.view';

const FILTERS: FilterName[] = ['period', 'from', 'to', 'stage', 'touchpoint', 'survey', 'group'];
const EXTRA = { lang: Joi.string().valid('vi', 'en') };
const PRESETS = ['7d', '30d', '90d', 'quarter'] as const;

/**
 * /themes: what customers say across the journey or in one place (stage, touchpoint, survey), per score
 * group and period; the team's topics with their counts; any theme becomes a topic in one click (editors).
 */
export function themesPagesRouter({ db, queue }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  route('get', '/themes', 'viewer', async (req: Request, res: Response) => {
    const locale: Locale = res.locals.locale;
    const settings = await getSettings(db);
    const f = parseDashboardFilters(req.query, { timeZone: settings.timeZone, allow: FILTERS, extra: EXTRA });
    const lang = f.extra.lang as 'vi' | 'en' | undefined;
    const fmt = formatterFor(locale, settings.timeZone);
    const catalog = await getJourneyCatalog(db);
    const scope = { touchpoint: f.touchpoint, stage: f.touchpoint ? undefined : f.stage, survey: f.touchpoint || f.stage ? undefined : f.survey };
    const group = f.group ?? 'detractor';
    const [result, topics] = await Promise.all([
      getThemes(db, { scope, group, range: f.period, language: lang }, catalog),
      getTopicSummaries(db, scope, f.period, catalog),
    ]);
    const option = (value: string, label: string, current: string | undefined) => ({ value, label, selected: value === current });
    const here = (over: Record<string, string | undefined>) => `/themes${filterQuery(f, { ...over, cursor: undefined })}${lang && !('lang' in over) ? `&lang=${lang}` : ''}`;
    res.render('themes/themes', {
      layout: 'dashboard',
      title: t(locale, 'nav.themes'),
      intro: t(locale, 'themes.intro', { from: fmt.day(result.weeks.from), to: fmt.day(result.weeks.to) }),
      commentsText: t(locale, 'themes.comments', { count: fmt.count(result.comments) }),
      presets: PRESETS.map((p) => option(p, t(locale, `metrics.preset.${p}`), f.period.preset)),
      custom: f.period.preset === 'custom' ? { from: f.period.from, to: f.period.to } : null,
      stages: catalog.stages.map((s) => option(s.key, s.names[locale], scope.stage)),
      touchpoints: catalog.touchpoints.map((x) => option(x.key, x.names[locale], scope.touchpoint)),
      groups: (['detractor', 'promoter', 'passive'] as const).map((g) => ({ href: here({ group: g }), label: t(locale, `themes.group.${g}`), current: g === group })),
      langs: [undefined, 'vi', 'en'].map((l) => ({ href: `/themes${filterQuery(f, { group, cursor: undefined })}${l ? `${filterQuery(f, { group }) ? '&' : '?'}lang=${l}` : ''}`, label: t(locale, l ? `themes.language.${l as 'vi' | 'en'}` : 'themes.language.any'), current: l === lang })),
      group,
      items: result.items.map((item) => themeView(item, fmt)),
      // Each topic links to its answers on the responses page, with the same scope and period.
      topics: topics.map((s) => ({ ...topicView(s, fmt, locale), responsesLink: `/responses${filterQuery(f, { group: undefined, cursor: undefined, topic: String(s.topic.id) })}` })),
      canEdit: hasRole(res.locals.user, 'editor'),
      returnTo: req.originalUrl,
    });
  });

  /** A topic from the form, or from a theme's "make a topic" button (its phrase as name and keyword). */
  route('post', '/themes/topics', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const { value, errors } = validateForm<TopicForm>(topicFormSchema, req.body, locale);
    const back = typeof req.body?.returnTo === 'string' && req.body.returnTo.startsWith('/themes') && !req.body.returnTo.startsWith('//') ? req.body.returnTo : '/themes';
    if (errors) throw new HttpError(400, 'validation_failed', 'The topic is not valid', Object.entries(errors).map(([path, message]) => ({ path, message })), 'themes.err.topicInvalid');
    const boss = await queue.start();
    await createTopic(db, { name: { vi: value.nameVi, en: value.nameEn }, keywords: value.keywords }, (id) => enqueueTopicCount(boss, id));
    await redirectWithFlash(req, res, t(locale, 'topics.created'), back);
  });

  route('post', '/themes/topics/:id/delete', 'editor', manageForm, csrfProtection, async (req, res) => {
    const id = serialParam(req.params.id);
    if (id === null) throw notFound();
    await deleteTopic(db, id);
    await redirectWithFlash(req, res, t(res.locals.locale, 'topics.deleted'), '/themes');
  });

  return router;
}
