import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/**
 * The statistics of key drivers, pure and unrounded: Spearman's rank correlation with its Fisher-z
 * interval, and Johnson's relative weights. Score groups and the NPS gap test come from metrics/scoring.
 */

const Z_95 = 1.96;

/** Ranks 1..n, ties sharing the mean of their positions (the usual mid-rank). */
export function midRanks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Pearson's r; null when either side has no variance (or fewer than two pairs). */
export function pearson(x: number[], y: number[]): number | null {
  const n = x.length;
  if (n < 2 || y.length !== n) return null;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  if (!(sxx > 0) || !(syy > 0)) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ: Pearson's r of the mid-ranks (exact with ties). */
export function spearman(x: number[], y: number[]): number | null {
  return pearson(midRanks(x), midRanks(y));
}

/**
 * 95 % interval of a correlation through Fisher's z: atanh(r) ± 1.96/√(n − 3), back through tanh.
 * Null below four pairs (no standard error).
 */
export function fisherInterval(r: number, n: number): [number, number] | null {
  if (n < 4) return null;
  // |r| = 1 would make atanh infinite: the interval is then the point itself.
  const z = Math.atanh(Math.max(-0.999999999, Math.min(0.999999999, r)));
  const se = 1 / Math.sqrt(n - 3);
  return [Math.tanh(z - Z_95 * se), Math.tanh(z + Z_95 * se)];
}

export interface RelativeWeights {
  /** Raw weights ε_j: each predictor's share of R², summing to R². */
  raw: number[];
  r2: number;
}

/** The correlation matrix of the columns of `rows` (rows × p); null when a column is constant. */
export function correlationMatrix(columns: number[][]): number[][] | null {
  const p = columns.length;
  const out: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(1));
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      const r = pearson(columns[i], columns[j]);
      if (r === null) return null;
      out[i][j] = r;
      out[j][i] = r;
    }
  }
  return out;
}

/**
 * Johnson's (2000) relative weights from the predictors' correlation matrix R and their correlations
 * with the outcome r_xy: R = VΛVᵀ, Λ* = VΛ^½Vᵀ (the orthogonal approximation's loadings), β = Λ*⁻¹ r_xy,
 * ε_j = Σ_k Λ*_jk² β_k². Null when R is singular (a predictor is a combination of the others).
 */
export function relativeWeights(rxx: number[][], rxy: number[]): RelativeWeights | null {
  const p = rxy.length;
  const eig = new EigenvalueDecomposition(new Matrix(rxx), { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  if (values.some((v) => !(v > 1e-10))) return null;
  const V = eig.eigenvectorMatrix;
  const sqrtL = Matrix.diag(values.map(Math.sqrt));
  const invSqrtL = Matrix.diag(values.map((v) => 1 / Math.sqrt(v)));
  const lambda = V.mmul(sqrtL).mmul(V.transpose());
  const lambdaInv = V.mmul(invSqrtL).mmul(V.transpose());
  const beta = lambdaInv.mmul(Matrix.columnVector(rxy));
  const raw: number[] = [];
  for (let j = 0; j < p; j++) {
    let e = 0;
    for (let k = 0; k < p; k++) e += lambda.get(j, k) ** 2 * beta.get(k, 0) ** 2;
    raw.push(e);
  }
  return { raw, r2: raw.reduce((s, v) => s + v, 0) };
}

/** Mid-ranks of the values of a discrete variable from its counts: value -> its rank. */
function midRanksFromCounts(counts: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  let before = 0;
  for (const v of [...counts.keys()].sort((a, b) => a - b)) {
    const c = counts.get(v) ?? 0;
    out.set(v, before + (c + 1) / 2);
    before += c;
  }
  return out;
}

/**
 * Spearman's ρ from a table of counts of (x, y) pairs (both discrete scales): the same figure as
 * `spearman` on the expanded pairs, without expanding them.
 */
export function spearmanFromCells(cells: Array<{ x: number; y: number; n: number }>): { rho: number | null; n: number } {
  const cx = new Map<number, number>();
  const cy = new Map<number, number>();
  let n = 0;
  for (const c of cells) {
    cx.set(c.x, (cx.get(c.x) ?? 0) + c.n);
    cy.set(c.y, (cy.get(c.y) ?? 0) + c.n);
    n += c.n;
  }
  if (n < 2) return { rho: null, n };
  const rx = midRanksFromCounts(cx);
  const ry = midRanksFromCounts(cy);
  const mean = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const c of cells) {
    const dx = (rx.get(c.x) ?? 0) - mean;
    const dy = (ry.get(c.y) ?? 0) - mean;
    sxy += c.n * dx * dy;
    sxx += c.n * dx * dx;
    syy += c.n * dy * dy;
  }
  if (!(sxx > 0) || !(syy > 0)) return { rho: null, n };
  return { rho: sxy / Math.sqrt(sxx * syy), n };
}
