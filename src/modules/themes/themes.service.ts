import type { DataSource } from 'typeorm';
import { DomainError } from '../../domain-error';
import type { Localized } from '../../i18n';
import { addDays, daysBetween, weekStart } from '../../time';
import type { DayRange } from '../../web/params';
import { getJourneyCatalog, type CatalogSurvey, type JourneyCatalog } from '../metrics';
import { mergeHistograms, scoreGroup, type Histogram, type MetricKind, type ScoreGroup } from '../metrics/scoring';
import { countTopic } from './analysis';
import { getCommentTotals } from './queries/getCommentTotals';
import { getThemeCandidates } from './queries/getThemeCandidates';
import { getPhraseExamples } from './queries/getPhraseExamples';
import { getPhraseScores } from './queries/getPhraseScores';
import { getResponseTopicRows } from './queries/getResponseTopics';
import { getTopicRow } from './queries/getTopic';
import { getTopicCounts } from './queries/getTopicCounts';
import { getTopicPainPoints } from './queries/getTopicPainPoints';
import { listTopicRows, type TopicRow } from './queries/listTopics';
import { chooseThemes, GROUPS, isEmerging, MIN_THEME_COUNT, themeImpact, type ThemeGroup, type ThemeImpact } from './rank';

/** Candidates read per class: many more than shown, so that merging overlapping phrases never runs short. */
const CANDIDATES = 100;

export { analyseAllPending, analysePendingComments, countTopic, rebuildCommentThemes, setCommentLogTrigger } from './analysis';

/**
 * Comment themes and the team's topics: what the API (`/api/v1/themes`, `/api/v1/topics`), the Themes
 * page, the detail pages, the journey map and the digest read, all from stored counts (analysis.ts).
 * Periods are read as whole org-weeks (Monday to Sunday) that overlap the days asked for: the counts are
 * weekly, which keeps a page's cost flat however many answers there are.
 */

export interface ThemeScope { touchpoint?: string; stage?: string; survey?: string }

export interface ThemeExample { id: string; comment: string; score: number; group: ScoreGroup; createdAt: Date }

export interface Theme {
  phraseId: number;
  phrase: string;
  language: 'vi' | 'en';
  count: number;
  /** Mentions over the analysed comments of the class (the group, or all), 0..1. */
  share: number;
  examples: ThemeExample[];
  impact: ThemeImpact | null;
  emerging: boolean;
  previousShare: number | null;
}

export interface ThemesResult {
  /** The whole weeks read, and the previous period of as many weeks. */
  weeks: DayRange;
  previousWeeks: DayRange;
  group: ThemeGroup;
  comments: number;
  items: Theme[];
}

export interface ThemeQuery {
  scope: ThemeScope;
  group: ThemeGroup;
  range: DayRange;
  language?: 'vi' | 'en';
  limit?: number;
  examples?: number;
}

/** The org-weeks that overlap a range of days, and as many weeks before. */
export function weekWindow(range: DayRange): { current: DayRange; previous: DayRange } {
  const from = weekStart(range.from);
  const toMonday = weekStart(range.to);
  const weeks = daysBetween(from, toMonday) / 7 + 1;
  return {
    current: { from, to: addDays(toMonday, 6) },
    previous: { from: addDays(from, -7 * weeks), to: addDays(from, -1) },
  };
}

/** The surveys a scope covers; an unknown touchpoint, stage or survey is a 404. */
export function scopeSurveys(catalog: JourneyCatalog, scope: ThemeScope): CatalogSurvey[] {
  if (scope.survey) {
    const s = catalog.surveys.find((x) => x.id === scope.survey);
    if (!s) throw new DomainError('not_found', `No survey ${scope.survey}`, { details: [{ path: 'survey', message: 'unknown survey' }] });
    return [s];
  }
  if (scope.touchpoint) {
    const tp = catalog.touchpoints.find((x) => x.key === scope.touchpoint);
    if (!tp) throw new DomainError('not_found', `No touchpoint ${scope.touchpoint}`, { details: [{ path: 'touchpoint', message: 'unknown touchpoint' }] });
    return catalog.surveys.filter((s) => s.touchpointId === tp.id);
  }
  if (scope.stage) {
    const st = catalog.stages.find((x) => x.key === scope.stage);
    if (!st) throw new DomainError('not_found', `No stage ${scope.stage}`, { details: [{ path: 'stage', message: 'unknown stage' }] });
    return catalog.surveys.filter((s) => s.stageId === st.id);
  }
  return catalog.surveys;
}

function histogramsByKind(rows: Array<{ surveyId: string; score: number; n: number }>, kindOf: Map<string, MetricKind>): Map<MetricKind, Histogram> {
  const out = new Map<MetricKind, Histogram>();
  for (const r of rows) {
    const kind = kindOf.get(r.surveyId);
    if (!kind) continue;
    out.set(kind, mergeHistograms(out.get(kind) ?? {}, { [r.score]: r.n }));
  }
  return out;
}

function classSize(rows: Array<{ surveyId: string; score: number; n: number }>, kindOf: Map<string, MetricKind>, group: ThemeGroup): number {
  let n = 0;
  for (const r of rows) {
    const kind = kindOf.get(r.surveyId);
    if (kind && (group === 'all' || scoreGroup(kind, r.score) === group)) n += r.n;
  }
  return n;
}

/** The themes of a scope, group and period, ranked by c-TF-IDF, with share, examples, impact and "emerging". */
export async function getThemes(db: DataSource, q: ThemeQuery, catalog?: JourneyCatalog): Promise<ThemesResult> {
  const cat = catalog ?? await getJourneyCatalog(db);
  const surveys = scopeSurveys(cat, q.scope);
  const wholeJourney = !q.scope.survey && !q.scope.touchpoint && !q.scope.stage;
  const surveyIds = surveys.map((s) => s.id);
  const kindOf = new Map(surveys.map((s) => [s.id, s.kind] as const));
  const win = weekWindow(q.range);
  const limit = q.limit ?? 10;
  const periods = { surveyIds, previousFrom: win.previous.from, currentFrom: win.current.from, currentTo: addDays(win.current.to, -6) };
  // The best candidates of the class with their labels (c-TF-IDF in SQL), then the overlaps merged here.
  const [candidates, totals] = await Promise.all([
    getThemeCandidates(db, {
      surveyIds: wholeJourney ? null : surveyIds, fromWeek: win.current.from, toWeek: periods.currentTo, group: q.group, language: q.language,
      minCount: MIN_THEME_COUNT, limit: Math.max(CANDIDATES, limit * 10),
    }),
    getCommentTotals(db, periods),
  ]);
  const empty: ThemesResult = { weeks: win.current, previousWeeks: win.previous, group: q.group, comments: 0, items: [] };
  const current = totals.filter((t) => t.current);
  const previous = totals.filter((t) => !t.current);
  const comments = classSize(current, kindOf, q.group);
  if (candidates.length === 0) return { ...empty, comments };
  const byId = new Map(candidates.map((c) => [c.phraseId, c]));
  const ranked = chooseThemes(candidates.map((c) => ({ phraseId: c.phraseId, key: `${c.language}:${c.key}`, weight: c.weight, count: c.count })), limit);
  const ids = ranked.map((r) => r.phraseId);
  const groups = q.group === 'all' ? GROUPS : [q.group];
  const [scores, examples] = await Promise.all([
    getPhraseScores(db, { ...periods, phraseIds: ids }),
    getPhraseExamples(db, { phraseIds: ids, surveyIds, groups, perPhrase: q.examples ?? 3 }),
  ]);
  const totalsNow = histogramsByKind(current, kindOf);
  const previousComments = classSize(previous, kindOf, q.group);
  const items = ranked.map((r): Theme => {
    const mine = scores.filter((s) => s.phraseId === r.phraseId);
    const inGroup = (s: { surveyId: string; score: number }) => q.group === 'all' || scoreGroup(kindOf.get(s.surveyId) ?? 'nps', s.score) === q.group;
    const previousCount = mine.filter((s) => !s.current && inGroup(s)).reduce((a, s) => a + s.n, 0);
    const label = byId.get(r.phraseId);
    return {
      phraseId: r.phraseId,
      phrase: label?.label ?? '',
      language: label?.language ?? 'vi',
      count: r.count,
      share: comments ? r.count / comments : 0,
      examples: examples.filter((e) => e.phraseId === r.phraseId).map((e) => ({
        id: e.responseId, comment: e.comment, score: e.score, group: scoreGroup(kindOf.get(e.surveyId) ?? 'nps', e.score), createdAt: e.createdAt,
      })),
      impact: themeImpact(histogramsByKind(mine.filter((s) => s.current), kindOf), totalsNow),
      emerging: isEmerging({ count: previousCount, of: previousComments }, { count: r.count, of: comments }),
      previousShare: previousComments ? previousCount / previousComments : null,
    };
  });
  return { ...empty, comments, items };
}

/** The top theme of a group for each touchpoint (the journey map's pain point per cell, the Themes page). */
export async function getTopThemeByTouchpoint(db: DataSource, range: DayRange, group: ScoreGroup, catalog?: JourneyCatalog): Promise<Map<string, Theme>> {
  const cat = catalog ?? await getJourneyCatalog(db);
  const out = new Map<string, Theme>();
  const results = await Promise.all(cat.touchpoints.map(async (tp) => {
    const r = await getThemes(db, { scope: { touchpoint: tp.key }, group, range, limit: 1, examples: 1 }, cat);
    return [tp.key, r.items[0]] as const;
  }));
  for (const [key, theme] of results) if (theme) out.set(key, theme);
  return out;
}

// ── Topics ───────────────────────────────────────────────────────────────────────────────────────────

export interface Topic { id: number; name: Localized; keywords: string[]; counted: boolean; createdAt: Date }
export interface TopicInput { name: Localized; keywords: string[] }

const toTopic = (r: TopicRow): Topic => ({ id: r.id, name: { vi: r.nameVi, en: r.nameEn }, keywords: r.keywords, counted: r.counted, createdAt: r.createdAt });

export async function listTopics(db: DataSource): Promise<Topic[]> {
  return (await listTopicRows(db)).map(toTopic);
}

/**
 * Creates a topic; its keywords match a comment with or without diacritics, as whole words (the pattern is
 * built in SQL from the same fold as the comments). `onCreated` queues its first count (a job).
 */
export async function createTopic(db: DataSource, input: TopicInput, onCreated?: (id: number) => Promise<void>): Promise<Topic> {
  const keywords = [...new Set(input.keywords.map((k) => k.normalize('NFC').trim().replace(/\s+/g, ' ')).filter(Boolean))];
  const [dup] = await db.query(`SELECT id FROM topics WHERE lower(name_vi) = lower($1) OR lower(name_en) = lower($2)`, [input.name.vi, input.name.en]);
  if (dup) throw new DomainError('conflict', 'A topic with this name exists', { details: [{ path: 'name', message: 'a topic with this name exists' }], messageKey: 'themes.err.topicExists' });
  const [row] = await db.query(
    `INSERT INTO topics (name_vi, name_en, keywords, pattern)
     SELECT $1, $2, $3::text[], '\\m(' || string_agg(regexp_replace(regexp_replace(touchpoint_fold(k), '([^[:alnum:][:space:]])', '\\\\\\1', 'g'), '\\s+', '\\\\s+', 'g'), '|') || ')\\M'
     FROM unnest($3::text[]) AS k
     RETURNING id, name_vi AS "nameVi", name_en AS "nameEn", keywords, counted, created_at AS "createdAt"`,
    [input.name.vi, input.name.en, keywords],
  );
  if (onCreated) await onCreated(row.id);
  return toTopic(row);
}

/** The demo's team topics (seed:demo): the pain points and praise its comments carry, in both languages. */
export const DEMO_TOPICS: TopicInput[] = [
  { name: { vi: 'Thời gian chờ', en: 'Waiting time' }, keywords: ['chờ lâu', 'waited', 'on hold'] },
  { name: { vi: 'Giao hàng trễ', en: 'Late delivery' }, keywords: ['giao hàng trễ', 'late delivery', 'delivery was late', 'days late'] },
  { name: { vi: 'Lỗi thanh toán', en: 'Payment errors' }, keywords: ['thanh toán bị lỗi', 'payment failed'] },
  { name: { vi: 'Nhân viên thân thiện', en: 'Friendly staff' }, keywords: ['nhân viên thân thiện', 'friendly staff'] },
];

/** Creates the demo topics that do not exist yet (by name); their counts come with the next rebuild or job. */
export async function seedDemoTopics(db: DataSource): Promise<number> {
  const existing = await listTopics(db);
  const missing = DEMO_TOPICS.filter((d) => !existing.some((t) => t.name.vi === d.name.vi || t.name.en === d.name.en));
  for (const topic of missing) await createTopic(db, topic);
  return missing.length;
}

export async function deleteTopic(db: DataSource, id: number): Promise<void> {
  const rows = await db.query(`WITH gone AS (DELETE FROM topics WHERE id = $1 RETURNING id) SELECT id FROM gone`, [id]);
  if (rows.length === 0) throw new DomainError('not_found', `No topic ${id}`, { messageKey: 'themes.err.topicNotFound' });
}

/** Topics not counted yet (a few rows at most). */
export async function uncountedTopics(db: DataSource): Promise<number[]> {
  return (await listTopicRows(db)).filter((t) => !t.counted).map((t) => t.id);
}

/** A topic's first count, run by its job (queued when the topic is created). */
export async function countNewTopic(db: DataSource, id: number): Promise<void> {
  await countTopic(db, id);
}

export interface TopicSummary {
  topic: Topic;
  count: number;
  share: number;
  detractors: number;
  previousCount: number;
  emerging: boolean;
  impact: ThemeImpact | null;
}

/** Each topic's mentions in a scope and period (whole weeks), with impact, most mentioned first. */
export async function getTopicSummaries(db: DataSource, scope: ThemeScope, range: DayRange, catalog?: JourneyCatalog): Promise<TopicSummary[]> {
  const cat = catalog ?? await getJourneyCatalog(db);
  const surveys = scopeSurveys(cat, scope);
  const surveyIds = surveys.map((s) => s.id);
  const kindOf = new Map(surveys.map((s) => [s.id, s.kind] as const));
  const win = weekWindow(range);
  const periods = { surveyIds, previousFrom: win.previous.from, currentFrom: win.current.from, currentTo: addDays(win.current.to, -6) };
  const [topics, rows, totals] = await Promise.all([listTopics(db), getTopicCounts(db, periods), getCommentTotals(db, periods)]);
  if (topics.length === 0) return [];
  const current = totals.filter((t) => t.current);
  const comments = current.reduce((a, t) => a + t.n, 0);
  const previousComments = totals.filter((t) => !t.current).reduce((a, t) => a + t.n, 0);
  const totalsNow = histogramsByKind(current, kindOf);
  return topics.map((topic) => {
    const mine = rows.filter((r) => r.topicId === topic.id);
    const now = mine.filter((r) => r.current);
    const count = now.reduce((a, r) => a + r.n, 0);
    const previousCount = mine.filter((r) => !r.current).reduce((a, r) => a + r.n, 0);
    return {
      topic,
      count,
      share: comments ? count / comments : 0,
      detractors: now.filter((r) => scoreGroup(kindOf.get(r.surveyId) ?? 'nps', r.score) === 'detractor').reduce((a, r) => a + r.n, 0),
      previousCount,
      emerging: isEmerging({ count: previousCount, of: previousComments }, { count, of: comments }),
      impact: themeImpact(histogramsByKind(now, kindOf), totalsNow),
    };
  }).sort((a, b) => b.count - a.count || a.topic.id - b.topic.id);
}

/**
 * A topic the responses filter asks for; an unknown id is a 404 (in the user's language). The filter itself
 * reads the stored (answer, topic) matches that the job keeps (topic_responses), never the comments again.
 */
export async function requireTopic(db: DataSource, id: number): Promise<Topic> {
  const row = await getTopicRow(db, id);
  if (!row) throw new DomainError('not_found', `No topic ${id}`, { details: [{ path: 'topic', message: 'unknown topic' }], messageKey: 'themes.err.topicNotFound' });
  return toTopic(row);
}

/** The topics each answer mentions (ids as text -> topic names, oldest topic first): the CSV's column. */
export async function getResponseTopics(db: DataSource, responseIds: string[]): Promise<Map<string, Localized[]>> {
  const out = new Map<string, Localized[]>();
  for (const r of await getResponseTopicRows(db, responseIds)) {
    const list = out.get(r.responseId) ?? [];
    list.push({ vi: r.nameVi, en: r.nameEn });
    out.set(r.responseId, list);
  }
  return out;
}

export interface PainPoint { topic: { id: number; name: Localized }; count: number; detractors: number; share: number }

/**
 * The journey map's one pain point per cell: for each shown touchpoint, the team topic its detractors
 * mention most over the period's whole weeks (at least MIN_THEME_COUNT mentions), with the share of its
 * detractor comments. One query for all the cells, from stored counts.
 */
export async function getPainPoints(db: DataSource, touchpointIds: number[], range: DayRange): Promise<Map<number, PainPoint>> {
  const win = weekWindow(range);
  const rows = await getTopicPainPoints(db, { touchpointIds, fromWeek: win.current.from, toWeek: addDays(win.current.to, -6), minCount: MIN_THEME_COUNT });
  return new Map(rows.map((r) => [r.touchpointId, {
    topic: { id: r.topicId, name: { vi: r.nameVi, en: r.nameEn } },
    count: r.n,
    detractors: r.detractors,
    share: r.detractors ? Math.min(1, r.n / r.detractors) : 0,
  }]));
}

/** The digest's "themes that grew": detractor themes of the whole journey marked emerging in the week. */
export async function getThemesThatGrew(db: DataSource, range: DayRange, limit = 3): Promise<Theme[]> {
  const r = await getThemes(db, { scope: {}, group: 'detractor', range, limit: 15, examples: 1 });
  return r.items.filter((t) => t.emerging).slice(0, limit);
}

/**
 * The detail pages' top themes (three for detractors and three for promoters) and the team's topics counted
 * in the same scope and period (count, share, impact), read from stored counts.
 */
export async function getThemeSummary(db: DataSource, scope: ThemeScope, range: DayRange, catalog?: JourneyCatalog): Promise<{ detractor: Theme[]; promoter: Theme[]; topics: TopicSummary[] }> {
  const cat = catalog ?? await getJourneyCatalog(db);
  const [detractor, promoter, topics] = await Promise.all([
    getThemes(db, { scope, group: 'detractor', range, limit: 3, examples: 2 }, cat),
    getThemes(db, { scope, group: 'promoter', range, limit: 3, examples: 2 }, cat),
    getTopicSummaries(db, scope, range, cat),
  ]);
  return { detractor: detractor.items, promoter: promoter.items, topics };
}
