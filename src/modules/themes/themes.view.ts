import { t, type Locale } from '../../i18n';
import type { Formatter } from '../../web/format';
import type { MetricKind } from '../metrics/scoring';
import type { PainPoint, Theme, ThemeScope, TopicSummary } from './themes.service';

const KIND_NAME: Record<MetricKind, string> = { nps: 'NPS', csat: 'CSAT', ces: 'CES' };

/** What the pages show of a theme: formatted figures, examples, and the impact sentence. */
export function themeView(theme: Theme, fmt: Formatter) {
  const i = theme.impact;
  return {
    phrase: theme.phrase,
    language: theme.language,
    languageLabel: t(fmt.locale, `themes.language.${theme.language}`),
    countText: fmt.count(theme.count),
    shareText: fmt.percent(100 * theme.share, 1),
    emerging: theme.emerging,
    impactText: i && i.with !== null && i.without !== null
      ? t(fmt.locale, 'themes.impactText', { kind: KIND_NAME[i.kind], with: fmt.score(i.kind, i.with), without: fmt.score(i.kind, i.without), nWith: fmt.count(i.nWith), nWithout: fmt.count(i.nWithout) })
      : '–',
    significant: !!i?.significant,
    direction: i?.delta == null ? null : i.delta < 0 ? 'down' : 'up',
    examples: theme.examples.map((e) => ({ comment: e.comment, score: e.score, group: e.group, dateText: fmt.date(e.createdAt) })),
  };
}

export function topicView(s: TopicSummary, fmt: Formatter, locale: Locale) {
  const i = s.impact;
  return {
    id: s.topic.id,
    name: s.topic.name[locale],
    keywords: s.topic.keywords.join(', '),
    counted: s.topic.counted,
    countText: fmt.count(s.count),
    shareText: fmt.percent(100 * s.share, 1),
    detractorsText: fmt.count(s.detractors),
    emerging: s.emerging,
    impactText: i && i.with !== null && i.without !== null
      ? t(locale, 'themes.impactText', { kind: KIND_NAME[i.kind], with: fmt.score(i.kind, i.with), without: fmt.score(i.kind, i.without), nWith: fmt.count(i.nWith), nWithout: fmt.count(i.nWithout) })
      : '–',
    significant: !!i?.significant,
  };
}

/**
 * The detail pages' section: the top detractor and promoter themes of a touchpoint or survey, with their
 * examples and impact, the team's topics mentioned there (each a link to its answers), and a link to the
 * Themes page for more.
 */
export function themeSummaryView(detractor: Theme[], promoter: Theme[], scope: ThemeScope, fmt: Formatter, topics: TopicSummary[] = []) {
  const q = scope.touchpoint ? `touchpoint=${encodeURIComponent(scope.touchpoint)}` : scope.survey ? `survey=${encodeURIComponent(scope.survey)}` : '';
  const mentioned = topics.filter((s) => s.count > 0);
  return {
    detractor: detractor.map((x) => themeView(x, fmt)),
    promoter: promoter.map((x) => themeView(x, fmt)),
    empty: detractor.length === 0 && promoter.length === 0,
    link: `/themes${q ? `?${q}` : ''}`,
    hasTopics: topics.length > 0,
    topics: mentioned.map((s) => ({ ...topicView(s, fmt, fmt.locale), responsesLink: `/responses?${q ? `${q}&` : ''}topic=${s.topic.id}` })),
  };
}

/** A journey-map cell's pain point: the topic's name, and how many of the cell's detractors mention it. */
export function painPointView(p: PainPoint | undefined, fmt: Formatter) {
  if (!p) return null;
  return {
    name: p.topic.name[fmt.locale],
    text: t(fmt.locale, 'topics.painPointText', { count: fmt.count(p.count), share: fmt.percent(100 * p.share, 0) }),
  };
}
