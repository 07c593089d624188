import type { Request, Response, Router } from 'express';
import Joi from 'joi';
import type { AppDeps } from '../../deps';
import { DomainError } from '../../domain-error';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { HttpError, notFound, RenderedError } from '../../web/errors';
import { hasRole } from '../../web/middleware/auth';
import { filterQuery, parseDashboardFilters, type DashboardFilters, type FilterName, getJourneyCatalog } from '../metrics';
import { getSettings } from '../settings';
import { getDetail } from './detail.service';
import { filterBar } from './filter-bar';
import { formatterFor, type Formatter } from '../../web/format';
import { bigSerialParam, keyParam, uuidParam } from '../../web/params';
import { lineText } from '../../web/text';
import { getJourneyMap, getStageTouchpoints } from './journey-map.service';
import { getOverview } from './overview.service';
import { dashboardPartials } from './partials';
import { getAnswerView, getResponsesPage, HIDDEN_FILTER, hiddenFilterOf, placeOf, streamResponsesCsv } from './responses.service';
import { KIND_LABEL } from './score-view';
import { getThemeSummary, listTopics, requireTopic, themeSummaryView, type Topic } from '../themes';
import { getSegmentComparison } from './segments.service';
import { DIMENSION_PATTERN } from '../metrics';

/** The responses filter's topic picker: every team topic, named in the reader's language. */
const topicOptions = (topics: Topic[], locale: Locale) => topics.map((x) => ({ id: x.id, name: x.name[locale] }));

const CHART_SCRIPTS = ['/static/vendor/chart.js/chart.umd.min.js', '/static/js/charts.js'];
const SCORE_FILTERS: FilterName[] = ['period', 'from', 'to', 'channel', 'attr'];
const DETAIL_FILTERS: FilterName[] = [...SCORE_FILTERS, 'group', 'cursor'];
/** The stage list's own query fields: a search on touchpoint names and the page. */
const STAGE_LIST_FIELDS = { q: lineText.trim().max(100), page: Joi.number().integer().min(1).max(100_000) };
const RESPONSE_FILTERS: FilterName[] = ['period', 'from', 'to', 'stage', 'touchpoint', 'survey', 'metric', 'group', 'channel', 'attr', 'cursor'];
/** The responses list also filters by a hidden field of the survey link: field=store=q1. */
/** The segment comparison: period, one metric or all three, and the dimension (attribute:KEY or hidden:KEY). */
const SEGMENT_FILTERS: FilterName[] = ['period', 'from', 'to', 'metric'];
const SEGMENT_EXTRA = { dimension: Joi.string().pattern(DIMENSION_PATTERN).message('{{#label}} must be attribute:KEY or hidden:KEY') };
const RESPONSE_EXTRA = {
  field: Joi.string().trim().pattern(HIDDEN_FILTER).message('{{#label}} must be written name=value, e.g. store=q1'),
  /** A team topic (comment themes): answers whose comment mentions it. */
  topic: Joi.number().integer().min(1).max(2_147_483_647),
};

function render(res: Response, view: string, title: string, data: Record<string, unknown>): void {
  res.render(`dashboard/${view}`, { layout: 'dashboard', title, partials: dashboardPartials(), ...data });
}

/**
 * Overview, journey map, survey and touchpoint detail, responses and their CSV export, and (mounted
 * here) the follow-up queue. Every handler does the same four steps: validate the query through the one
 * filter parser, authorize (the route's role), read the current and comparison periods, render.
 */
export function dashboardPagesRouter(deps: AppDeps): Router {
  const { db } = deps;
  const { router, route } = dashboardRouter();

  async function context(req: Request, res: Response, allow: FilterName[], extra?: Record<string, Joi.Schema>) {
    const settings = await getSettings(db);
    const locale = res.locals.locale as Locale;
    const fmt = formatterFor(locale, settings.timeZone);
    try {
      const filters = parseDashboardFilters(req.query, { timeZone: settings.timeZone, allow, extra });
      // A topic that does not exist (deleted, or a typed id) is a filter that cannot be read, like the others.
      if (typeof filters.extra.topic === 'number') {
        await requireTopic(db, filters.extra.topic).catch((e: unknown) => {
          throw e instanceof DomainError ? new HttpError(400, 'validation_failed', 'Unknown topic', [{ path: 'topic', message: 'unknown topic' }], 'themes.err.topicNotFound') : e;
        });
      }
      return { filters, fmt, locale };
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 400 || req.path.endsWith('.csv')) throw err;
      throw await filterFormError(req, res, err, fmt, allow, settings.timeZone, extra);
    }
  }

  /**
   * Filters that cannot be read (a reversed range, a custom period without an end, an unknown key) answer
   * 400 with the filter form again: what the user typed stays in it, the message says what to change.
   */
  async function filterFormError(req: Request, res: Response, err: HttpError, fmt: Formatter, allow: FilterName[], timeZone: string, extra?: Record<string, Joi.Schema>): Promise<RenderedError> {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const safe = Object.fromEntries(Object.entries(query).filter(([k]) => !['period', 'from', 'to', 'shown', 'cursor'].includes(k)));
    let fallback: DashboardFilters;
    try {
      fallback = parseDashboardFilters(safe, { timeZone, allow, extra });
    } catch {
      fallback = parseDashboardFilters({}, { timeZone, allow });
    }
    const catalog = allow.includes('stage') ? await getJourneyCatalog(db) : undefined;
    const bar = await filterBar(db, fallback, fmt, {
      action: req.path, fields: allow.filter((n) => n !== 'cursor'), catalog, hiddenField: extra?.field ? typedText(query.field) : undefined,
      topics: extra?.topic ? topicOptions(await listTopics(db), fmt.locale) : undefined,
    });
    const typed = (name: string) => typedText(query[name]);
    const custom = typed('from') !== '' || typed('to') !== '';
    res.status(400);
    render(res, 'filter-error', t(fmt.locale, 'metrics.filters'), {
      filterBar: {
        ...bar,
        from: typed('from'), to: typed('to'), shown: '',
        presets: custom ? bar.presets.map((p) => ({ ...p, selected: p.value === 'custom' })) : bar.presets,
        error: t(fmt.locale, err.messageKey ?? 'metrics.err.filters', err.messageVars),
        periodText: '', previousText: null,
      },
    });
    return new RenderedError();
  }

  /** The filters that links to other score pages keep: period, channel, segment. */
  const keep = (f: DashboardFilters) => filterQuery({ period: f.period, previous: f.previous, channel: f.channel, attribute: f.attribute });

  route('get', '/overview', 'viewer', async (req, res) => {
    const { filters, fmt, locale } = await context(req, res, SCORE_FILTERS);
    const overview = await getOverview(db, filters, fmt);
    render(res, 'overview', t(locale, 'nav.overview'), {
      scripts: CHART_SCRIPTS,
      filterBar: await filterBar(db, filters, fmt, { action: '/overview', fields: SCORE_FILTERS, compare: true }),
      ...overview,
      keep: keep(filters),
    });
  });

  route('get', '/segments', 'viewer', async (req, res) => {
    const { filters, fmt, locale } = await context(req, res, SEGMENT_FILTERS, SEGMENT_EXTRA);
    const comparison = await getSegmentComparison(db, filters, filters.extra.dimension as string | undefined, fmt);
    const bar = await filterBar(db, filters, fmt, { action: '/segments', fields: SEGMENT_FILTERS, dimensions: comparison.dimensions });
    render(res, 'segments', t(locale, 'segments.title'), { scripts: CHART_SCRIPTS, filterBar: bar, ...comparison, isAdmin: hasRole(res.locals.user, 'admin') });
  });

  route('get', '/journey-map', 'viewer', async (req, res) => {
    const { filters, fmt, locale } = await context(req, res, SCORE_FILTERS);
    const map = await getJourneyMap(db, filters, fmt);
    render(res, 'journey-map', t(locale, 'nav.journeyMap'), {
      scripts: CHART_SCRIPTS,
      filterBar: await filterBar(db, filters, fmt, { action: '/journey-map', fields: SCORE_FILTERS, compare: true }),
      ...map,
      keep: keep(filters),
    });
  });

  // Every touchpoint of one stage, ranked as the map ranks them, searchable and paged (a chain's 200 stores).
  route('get', '/journey-map/stages/:key', 'viewer', async (req, res) => {
    const key = keyParam(req.params.key);
    if (!key) throw notFound();
    const { filters, fmt, locale } = await context(req, res, SCORE_FILTERS, STAGE_LIST_FIELDS);
    const search = (filters.extra.q as string | undefined) ?? '';
    const view = await getStageTouchpoints(db, key, filters, fmt, { search, page: (filters.extra.page as number | undefined) ?? 1 });
    if (!view) throw notFound();
    const path = `/journey-map/stages/${view.stage.key}`;
    const link = (over: Record<string, string | undefined>) => `${path}${filterQuery(filters, { q: search || undefined, ...over })}`;
    render(res, 'journey-stage', view.name, {
      filterBar: await filterBar(db, filters, fmt, { action: path, fields: SCORE_FILTERS, compare: true }),
      ...view,
      path,
      hidden: [...new URLSearchParams(keep(filters))].map(([name, value]) => ({ name, value })),
      matchesLine: t(locale, 'metrics.touchpointMatches', { count: view.matchesText, page: fmt.count(view.page), pages: fmt.count(view.pages) }),
      prevLink: view.page > 1 ? link({ page: view.page > 2 ? String(view.page - 1) : undefined }) : null,
      nextLink: view.page < view.pages ? link({ page: String(view.page + 1) }) : null,
      clearLink: `${path}${keep(filters)}`,
      keep: keep(filters),
    });
  });

  route('get', '/surveys/:id', 'viewer', async (req, res) => {
    const id = uuidParam(req.params.id);
    if (!id) throw notFound();
    const { filters, fmt, locale } = await context(req, res, DETAIL_FILTERS);
    const catalog = await getJourneyCatalog(db);
    const survey = catalog.surveys.find((s) => s.id === id);
    if (!survey) throw notFound();
    const place = placeOf(catalog, survey.id, fmt);
    const stage = catalog.stages.find((s) => s.id === survey.stageId);
    const [detail, themes] = await Promise.all([
      getDetail(db, catalog, [survey], { stageId: survey.stageId, touchpointId: survey.touchpointId }, filters, fmt),
      getThemeSummary(db, { survey: survey.id }, filters.period, catalog),
    ]);
    const path = `/surveys/${survey.id}`;
    render(res, 'detail', survey.title, {
      scripts: CHART_SCRIPTS,
      heading: survey.title,
      subheading: `${KIND_LABEL[survey.kind]} · ${place.name}`,
      crumbs: [
        ...(stage ? [{ href: `/journey-map${keep(filters)}`, text: stage.names[locale] }] : []),
        ...(place.touchpointKey ? [{ href: `/touchpoints/${place.touchpointKey}${keep(filters)}`, text: place.name }] : []),
      ],
      filterBar: await filterBar(db, filters, fmt, { action: path, fields: SCORE_FILTERS, compare: true }),
      ...detail,
      ...verbatimLinks(path, filters, detail.verbatims.nextCursor),
      keep: keep(filters),
      responsesLink: `/responses${filterQuery(filters, { survey: survey.id, group: undefined, cursor: undefined })}`,
      themes: themeSummaryView(themes.detractor, themes.promoter, { survey: survey.id }, fmt, themes.topics),
    });
  });

  route('get', '/touchpoints/:key', 'viewer', async (req, res) => {
    const key = keyParam(req.params.key);
    if (!key) throw notFound();
    const { filters, fmt, locale } = await context(req, res, DETAIL_FILTERS);
    const catalog = await getJourneyCatalog(db);
    const tp = catalog.touchpoints.find((x) => x.key === key);
    if (!tp) throw notFound();
    const stage = catalog.stages.find((s) => s.id === tp.stageId);
    const surveys = catalog.surveys.filter((s) => s.touchpointId === tp.id);
    const [detail, themes] = await Promise.all([
      getDetail(db, catalog, surveys, { stageId: tp.stageId, touchpointId: tp.id }, filters, fmt),
      getThemeSummary(db, { touchpoint: tp.key }, filters.period, catalog),
    ]);
    const path = `/touchpoints/${tp.key}`;
    render(res, 'detail', tp.names[locale], {
      scripts: CHART_SCRIPTS,
      heading: tp.names[locale],
      subheading: `${stage?.names[locale] ?? ''} · ${t(locale, `metrics.touchpointChannel.${tp.channel}`)}`,
      crumbs: [{ href: `/journey-map${keep(filters)}`, text: stage?.names[locale] ?? '' }],
      filterBar: await filterBar(db, filters, fmt, { action: path, fields: SCORE_FILTERS, compare: true }),
      ...detail,
      ...verbatimLinks(path, filters, detail.verbatims.nextCursor),
      keep: keep(filters),
      surveys: surveys.map((s) => ({ href: `/surveys/${s.id}${keep(filters)}`, title: s.title, kindLabel: KIND_LABEL[s.kind], status: s.status, statusText: t(locale, `metrics.surveyStatus.${s.status}`) })),
      noSurveys: surveys.length === 0,
      responsesLink: `/responses${filterQuery(filters, { touchpoint: tp.key, group: undefined, cursor: undefined })}`,
      themes: themeSummaryView(themes.detractor, themes.promoter, { touchpoint: tp.key }, fmt, themes.topics),
    });
  });

  route('get', '/responses', 'viewer', async (req, res) => {
    const { filters, fmt, locale } = await context(req, res, RESPONSE_FILTERS, RESPONSE_EXTRA);
    const field = filters.extra.field as string | undefined;
    const topic = filters.extra.topic as number | undefined;
    const [catalog, topics] = await Promise.all([getJourneyCatalog(db), listTopics(db)]);
    const keepTopic = topic === undefined ? undefined : String(topic);
    const linkFor = (f: string) => `/responses${filterQuery(filters, { field: f, topic: keepTopic, cursor: undefined })}`;
    const page = await getResponsesPage(db, catalog, filters, fmt, { hidden: hiddenFilterOf(field), topicId: topic, linkFor });
    const q = (overrides: Record<string, string | undefined>) => filterQuery(filters, { field, topic: keepTopic, ...overrides });
    render(res, 'responses', t(locale, 'nav.responses'), {
      filterBar: await filterBar(db, filters, fmt, { action: '/responses', fields: RESPONSE_FILTERS, catalog, hiddenField: field ?? '', topics: topicOptions(topics, locale), topic }),
      items: page.items,
      totalText: page.totalText,
      keep: keep(filters),
      nextLink: page.nextCursor ? `/responses${q({ cursor: page.nextCursor })}` : null,
      firstLink: filters.cursor ? `/responses${q({ cursor: undefined })}` : null,
      exportLink: `/responses/export.csv${q({ cursor: undefined })}`,
    });
  });

  // Viewers export scores and comments; contact emails, attributes and hidden fields only go to editors and admins.
  route('get', '/responses/export.csv', 'viewer', async (req, res) => {
    const { filters, fmt } = await context(req, res, RESPONSE_FILTERS.filter((n) => n !== 'cursor'), RESPONSE_EXTRA);
    const catalog = await getJourneyCatalog(db);
    await streamResponsesCsv(db, catalog, filters, fmt, res, {
      personalData: hasRole(res.locals.user, 'editor'), hidden: hiddenFilterOf(filters.extra.field as string | undefined), topicId: filters.extra.topic as number | undefined,
    });
  });

  route('get', '/responses/:id', 'viewer', async (req, res) => {
    const id = bigSerialParam(req.params.id);
    if (!id) throw notFound();
    const settings = await getSettings(db);
    const locale = res.locals.locale as Locale;
    const fmt = formatterFor(locale, settings.timeZone);
    const answer = await getAnswerView(db, await getJourneyCatalog(db), id, fmt);
    if (!answer) throw notFound();
    render(res, 'answer', t(locale, 'metrics.answerTitle', { id }), { answer });
  });

  return router;
}

function typedText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The verbatim filter by group and the verbatims' pages, keeping every other filter. */
function verbatimLinks(path: string, f: DashboardFilters, nextCursor: string | null) {
  const groups = [undefined, 'promoter', 'passive', 'detractor'] as const;
  return {
    verbatimGroups: groups.map((g) => ({
      href: `${path}${filterQuery(f, { group: g, cursor: undefined })}#verbatims`,
      key: g ?? 'all',
      current: f.group === g,
    })),
    verbatimsFirst: f.cursor ? `${path}${filterQuery(f, { cursor: undefined })}#verbatims` : null,
    verbatimsNext: nextCursor ? `${path}${filterQuery(f, { cursor: nextCursor })}#verbatims` : null,
  };
}
