/**
 * Pure scoring math for NPS, CSAT and CES, computed from score histograms.
 *
 * Nothing here rounds: rounding is a display concern, and rounding early would
 * make pooled figures and significance tests drift from the spec.
 */

export type MetricKind = 'nps' | 'csat' | 'ces';

/** Score value -> number of responses with that score. Missing keys mean 0. */
export type Histogram = Record<number, number>;

export const SCALES: Record<MetricKind, { min: number; max: number }> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
};

/** Below this many responses a score is flagged as unreliable in the UI. */
export const LOW_SAMPLE_THRESHOLD = 30;

export interface NpsResult {
  kind: 'nps';
  n: number;
  score: number | null;
  moe: number | null;
  lowSample: boolean;
  promoters: number;
  passives: number;
  detractors: number;
}

export interface CsatResult {
  kind: 'csat';
  n: number;
  /** Top-2-box share (scores 4–5) in percent. */
  score: number | null;
  moe: number | null;
  lowSample: boolean;
  mean: number | null;
  /** Count of responses scoring 4–5. */
  satisfied: number;
}

export interface CesResult {
  kind: 'ces';
  n: number;
  /** Mean effort score on 1–7. */
  score: number | null;
  moe: number | null;
  lowSample: boolean;
  /** Share of scores 5–7 in percent. */
  easyShare: number | null;
  /** Sample standard deviation (n − 1); null when n < 2. */
  sd: number | null;
}

export type MetricResult = NpsResult | CsatResult | CesResult;

export type ScoreGroup = 'promoter' | 'passive' | 'detractor';

export interface ScoreComparison {
  delta: number | null;
  z: number | null;
  significant: boolean;
  direction: 'up' | 'down' | null;
}

/** Two-sided 95 % critical value, used for both MoE and significance. */
const Z_95 = 1.96;

interface Tally {
  n: number;
  entries: Array<[score: number, count: number]>;
}

/**
 * Validates a histogram against a scale and flattens it. Corrupted data must be
 * loud rather than silently skewing a score, hence RangeError instead of skipping.
 */
function tally(kind: MetricKind, h: Histogram): Tally {
  const { min, max } = SCALES[kind];
  const entries: Array<[number, number]> = [];
  let n = 0;
  for (const [key, count] of Object.entries(h)) {
    const score = Number(key);
    // String(score) === key rejects keys like "4.0" or " 4" that only look numeric.
    if (!Number.isInteger(score) || String(score) !== key || score < min || score > max) {
      throw new RangeError(`${kind}: histogram key ${JSON.stringify(key)} is outside the ${min}..${max} scale`);
    }
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw new RangeError(`${kind}: histogram count for score ${score} must be a non-negative integer, got ${String(count)}`);
    }
    entries.push([score, count]);
    n += count;
  }
  return { n, entries };
}

function countWhere(t: Tally, pred: (score: number) => boolean): number {
  let c = 0;
  for (const [score, count] of t.entries) if (pred(score)) c += count;
  return c;
}

function mean(t: Tally): number | null {
  if (t.n === 0) return null;
  let sum = 0;
  for (const [score, count] of t.entries) sum += score * count;
  return sum / t.n;
}

/** Sample variance (n − 1 denominator); undefined, hence null, for n < 2. */
function sampleVariance(t: Tally): number | null {
  const m = mean(t);
  if (m === null || t.n < 2) return null;
  // Two-pass (deviations from the mean) to avoid cancellation error of Σx² − n·m².
  let ss = 0;
  for (const [score, count] of t.entries) ss += count * (score - m) ** 2;
  return ss / (t.n - 1);
}

/** Per-response NPS variance in NPS points², i.e. 100²·(p + d − (p − d)²). */
function npsUnitVariance(p: number, d: number): number {
  // Algebraically ≥ 0; clamp so float noise can never reach Math.sqrt as a negative.
  return 100 * 100 * Math.max(0, p + d - (p - d) ** 2);
}

function isNpsPromoter(score: number): boolean {
  return score >= 9;
}
function isNpsDetractor(score: number): boolean {
  return score <= 6;
}
function isCsatSatisfied(score: number): boolean {
  return score >= 4;
}
function isCesEasy(score: number): boolean {
  return score >= 5;
}

export function npsFromHistogram(h: Histogram): NpsResult {
  const t = tally('nps', h);
  const promoters = countWhere(t, isNpsPromoter);
  const detractors = countWhere(t, isNpsDetractor);
  const passives = t.n - promoters - detractors;
  let score: number | null = null;
  let moe: number | null = null;
  if (t.n > 0) {
    const p = promoters / t.n;
    const d = detractors / t.n;
    score = 100 * (p - d);
    moe = Z_95 * Math.sqrt(npsUnitVariance(p, d) / t.n);
  }
  return { kind: 'nps', n: t.n, score, moe, lowSample: t.n < LOW_SAMPLE_THRESHOLD, promoters, passives, detractors };
}

export function csatFromHistogram(h: Histogram): CsatResult {
  const t = tally('csat', h);
  const satisfied = countWhere(t, isCsatSatisfied);
  let score: number | null = null;
  let moe: number | null = null;
  if (t.n > 0) {
    const c = satisfied / t.n;
    score = 100 * c;
    moe = 100 * Z_95 * Math.sqrt((c * (1 - c)) / t.n);
  }
  return { kind: 'csat', n: t.n, score, moe, lowSample: t.n < LOW_SAMPLE_THRESHOLD, mean: mean(t), satisfied };
}

export function cesFromHistogram(h: Histogram): CesResult {
  const t = tally('ces', h);
  const variance = sampleVariance(t);
  const sd = variance === null ? null : Math.sqrt(variance);
  return {
    kind: 'ces',
    n: t.n,
    score: mean(t),
    // A sample sd needs two responses; with fewer there is no honest interval.
    moe: sd === null ? null : (Z_95 * sd) / Math.sqrt(t.n),
    lowSample: t.n < LOW_SAMPLE_THRESHOLD,
    easyShare: t.n === 0 ? null : (100 * countWhere(t, isCesEasy)) / t.n,
    sd,
  };
}

export function scoreFromHistogram(kind: MetricKind, h: Histogram): MetricResult {
  switch (kind) {
    case 'nps':
      return npsFromHistogram(h);
    case 'csat':
      return csatFromHistogram(h);
    case 'ces':
      return cesFromHistogram(h);
  }
}

/** z statistic for the change previous -> current, or null when it cannot be computed. */
function zStatistic(kind: MetricKind, previous: Histogram, current: Histogram): number | null {
  const t1 = tally(kind, previous);
  const t2 = tally(kind, current);
  if (t1.n === 0 || t2.n === 0) return null;
  let diff: number;
  let se: number;
  switch (kind) {
    case 'nps': {
      const p1 = countWhere(t1, isNpsPromoter) / t1.n;
      const d1 = countWhere(t1, isNpsDetractor) / t1.n;
      const p2 = countWhere(t2, isNpsPromoter) / t2.n;
      const d2 = countWhere(t2, isNpsDetractor) / t2.n;
      diff = 100 * (p2 - d2) - 100 * (p1 - d1);
      se = Math.sqrt(npsUnitVariance(p1, d1) / t1.n + npsUnitVariance(p2, d2) / t2.n);
      break;
    }
    case 'csat': {
      const x1 = countWhere(t1, isCsatSatisfied);
      const x2 = countWhere(t2, isCsatSatisfied);
      // Pooled share: under H0 both periods have the same satisfaction rate.
      const pooled = (x1 + x2) / (t1.n + t2.n);
      diff = x2 / t2.n - x1 / t1.n;
      se = Math.sqrt(pooled * (1 - pooled) * (1 / t1.n + 1 / t2.n));
      break;
    }
    case 'ces': {
      // Welch: the two periods' variances are not assumed equal.
      const v1 = sampleVariance(t1);
      const v2 = sampleVariance(t2);
      const m1 = mean(t1);
      const m2 = mean(t2);
      if (v1 === null || v2 === null || m1 === null || m2 === null) return null;
      diff = m2 - m1;
      se = Math.sqrt(v1 / t1.n + v2 / t2.n);
      break;
    }
  }
  // Zero standard error (e.g. every response identical on both sides) gives no usable z.
  if (!(se > 0)) return null;
  return diff / se;
}

export function compareScores(kind: MetricKind, previous: Histogram, current: Histogram): ScoreComparison {
  const s1 = scoreFromHistogram(kind, previous).score;
  const s2 = scoreFromHistogram(kind, current).score;
  const delta = s1 === null || s2 === null ? null : s2 - s1;
  const z = zStatistic(kind, previous, current);
  const significant = z !== null && Math.abs(z) > Z_95;
  const direction = significant && z !== null ? (z > 0 ? 'up' : 'down') : null;
  return { delta, z, significant, direction };
}

export function isValidScore(kind: MetricKind, score: number): boolean {
  const { min, max } = SCALES[kind];
  return Number.isInteger(score) && score >= min && score <= max;
}

function assertValidScore(kind: MetricKind, score: number): void {
  if (!isValidScore(kind, score)) {
    const { min, max } = SCALES[kind];
    throw new RangeError(`${kind}: score ${String(score)} is not an integer in ${min}..${max}`);
  }
}

/** Whether a single response opens a follow-up. Throws on a score outside the scale. */
export function isDetractor(kind: MetricKind, score: number): boolean {
  return scoreGroup(kind, score) === 'detractor';
}

/** Display group of a single response. Throws on a score outside the scale. */
export function scoreGroup(kind: MetricKind, score: number): ScoreGroup {
  assertValidScore(kind, score);
  switch (kind) {
    case 'nps':
      return isNpsPromoter(score) ? 'promoter' : isNpsDetractor(score) ? 'detractor' : 'passive';
    case 'csat':
      return isCsatSatisfied(score) ? 'promoter' : score <= 2 ? 'detractor' : 'passive';
    case 'ces':
      return isCesEasy(score) ? 'promoter' : score <= 3 ? 'detractor' : 'passive';
  }
}

/**
 * Pools counts across histograms. A stage's score must be computed from the pooled
 * responses, never as an average of its touchpoints' scores (that would weight a
 * 5-response touchpoint like a 500-response one). Inputs are not mutated; keys are
 * validated later, when the pooled histogram is scored against a scale.
 */
export function mergeHistograms(...hs: Histogram[]): Histogram {
  // Keys are kept verbatim (not normalised through Number) so a corrupt key like
  // "4.0" still makes the scoring functions throw instead of being silently merged.
  const out: Record<string, number> = {};
  for (const h of hs) {
    for (const [key, count] of Object.entries(h)) {
      out[key] = (out[key] ?? 0) + count;
    }
  }
  return out;
}
