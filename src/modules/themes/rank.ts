import { compareScores, mergeHistograms, scoreFromHistogram, type Histogram, type MetricKind, type ScoreGroup } from '../metrics/scoring';
import { phrasesOverlap } from './text';

/**
 * Pure ranking math over stored counts (no database): class-based TF-IDF per score group, impact of a
 * theme on the score, and "emerging". Classes are the score groups of the scope (promoters, passives,
 * detractors), so a detractor theme is a phrase that detractors use and the others do not.
 *
 * c-TF-IDF (BERTopic): W(t, c) = tf(t, c) / |c| · log(1 + A / f(t)), with tf(t, c) the comments of class c
 * that mention t, |c| all phrase mentions of class c, A the average number of mentions per class and f(t)
 * the mentions of t across all classes.
 */

export type ThemeGroup = ScoreGroup | 'all';
export const GROUPS: ScoreGroup[] = ['promoter', 'passive', 'detractor'];

export interface PhraseGroupCount { phraseId: number; grp: ScoreGroup; n: number }

export interface RankedPhrase { phraseId: number; key: string; weight: number; count: number }

/** Fewer mentions than this never make a theme: one customer's words are a verbatim, not a theme. */
export const MIN_THEME_COUNT = 3;
/** A longer phrase replaces a shorter one inside it when it has at least this share of its mentions. */
const LONGER_PHRASE_RATIO = 0.8;

/** The top phrases of a class, overlapping phrases removed ("nhân viên" and "nhân viên nhiệt tình" are one theme). */
export function rankPhrases(
  counts: PhraseGroupCount[], keys: Map<number, string>, group: ThemeGroup, limit: number,
): RankedPhrase[] {
  return chooseThemes(weighPhrases(counts, keys, group), limit);
}

/**
 * Every phrase of the class said at least MIN_THEME_COUNT times, with its c-TF-IDF weight (the pages get
 * the same figures computed in SQL by getThemeCandidates, which returns only the best few).
 */
export function weighPhrases(counts: PhraseGroupCount[], keys: Map<number, string>, group: ThemeGroup): RankedPhrase[] {
  const perClass = new Map<ScoreGroup, number>();
  const perPhrase = new Map<number, { total: number; inClass: number }>();
  for (const c of counts) {
    perClass.set(c.grp, (perClass.get(c.grp) ?? 0) + c.n);
    const p = perPhrase.get(c.phraseId) ?? { total: 0, inClass: 0 };
    p.total += c.n;
    if (group === 'all' || c.grp === group) p.inClass += c.n;
    perPhrase.set(c.phraseId, p);
  }
  const classes = [...perClass.values()].filter((n) => n > 0);
  if (classes.length === 0) return [];
  const average = classes.reduce((a, b) => a + b, 0) / classes.length;
  const classSize = group === 'all' ? classes.reduce((a, b) => a + b, 0) : perClass.get(group) ?? 0;
  if (classSize === 0) return [];
  const ranked: RankedPhrase[] = [];
  for (const [phraseId, p] of perPhrase) {
    if (p.inClass < MIN_THEME_COUNT) continue;
    const key = keys.get(phraseId);
    if (!key) continue;
    ranked.push({ phraseId, key, count: p.inClass, weight: (p.inClass / classSize) * Math.log(1 + average / p.total) });
  }
  return ranked;
}

/** The themes shown: by weight (ties: the longer phrase, then the more said, then the key), overlaps merged. */
export function chooseThemes(candidates: RankedPhrase[], limit: number): RankedPhrase[] {
  const ranked = [...candidates];
  // Ties (equal weight): the longer phrase first (syllable n-grams that always occur together are one
  // expression, best read whole), then alphabetically, so the order is stable from one read to the next.
  const words = (key: string) => key.split(' ').length;
  ranked.sort((a, b) => b.weight - a.weight || words(b.key) - words(a.key) || b.count - a.count || a.key.localeCompare(b.key));
  const chosen: RankedPhrase[] = [];
  // Keys carry their language ("vi:cho lau"); phrases of different languages never overlap.
  const overlap = (a: RankedPhrase, b: RankedPhrase) => a.key.slice(0, 3) === b.key.slice(0, 3) && phrasesOverlap(a.key.slice(3), b.key.slice(3));
  for (const r of ranked) {
    const i = chosen.findIndex((c) => overlap(c, r));
    if (i < 0) {
      if (chosen.length < limit) chosen.push(r);
      continue;
    }
    // A longer phrase said nearly as often says more: "nhân viên thân thiện" rather than "viên thân" or
    // "thân thiện" (syllable n-grams cut Vietnamese words; the whole expression is the theme).
    const c = chosen[i];
    if (r.key.length > c.key.length && ` ${r.key.slice(3)} `.includes(` ${c.key.slice(3)} `) && r.count >= LONGER_PHRASE_RATIO * c.count
      && !chosen.some((o, j) => j !== i && overlap(o, r))) {
      chosen[i] = { ...r, weight: c.weight };
    }
  }
  return chosen;
}

export interface ThemeImpact {
  kind: MetricKind;
  /** Score of the analysed comments that mention the theme, and of those that do not. */
  with: number | null;
  without: number | null;
  nWith: number;
  nWithout: number;
  delta: number | null;
  significant: boolean;
}

/**
 * The score of the answers whose comment mentions the theme against the commented answers that do not,
 * per metric kind; the kind with the most mentions speaks for the theme. The test is SPEC §3's (scoring.ts).
 */
export function themeImpact(withByKind: Map<MetricKind, Histogram>, totalsByKind: Map<MetricKind, Histogram>): ThemeImpact | null {
  let best: { kind: MetricKind; n: number } | null = null;
  for (const [kind, h] of withByKind) {
    const n = Object.values(h).reduce((a, b) => a + b, 0);
    if (n > 0 && (!best || n > best.n)) best = { kind, n };
  }
  if (!best) return null;
  const withH = withByKind.get(best.kind) ?? {};
  const total = totalsByKind.get(best.kind) ?? {};
  const without: Histogram = {};
  for (const [score, n] of Object.entries(mergeHistograms(total))) {
    const rest = n - (withH[Number(score)] ?? 0);
    if (rest > 0) without[Number(score)] = rest;
  }
  const w = scoreFromHistogram(best.kind, withH);
  const wo = scoreFromHistogram(best.kind, without);
  const cmp = compareScores(best.kind, without, withH);
  return { kind: best.kind, with: w.score, without: wo.score, nWith: w.n, nWithout: wo.n, delta: cmp.delta, significant: cmp.significant };
}

/**
 * Whether a theme's share of its class grew significantly from the previous period: the two-proportion
 * z-test of SPEC §3 (the CSAT test, on "mentions" against "does not mention").
 */
export function isEmerging(previous: { count: number; of: number }, current: { count: number; of: number }): boolean {
  if (previous.of === 0 || current.of === 0) return false;
  const h = (x: { count: number; of: number }): Histogram => ({ 5: Math.min(x.count, x.of), 1: Math.max(0, x.of - x.count) });
  const cmp = compareScores('csat', h(previous), h(current));
  return cmp.significant && cmp.direction === 'up';
}
