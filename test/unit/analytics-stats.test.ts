import { correlationMatrix, fisherInterval, pearson, relativeWeights, spearman, spearmanFromCells } from '../../src/modules/analytics/stats';

/**
 * The drivers' statistics against figures worked out another way: Spearman's ρ by the textbook
 * 1 − 6Σd²/(n(n²−1)) (no ties), Fisher's interval by hand, and Johnson's weights through a matrix square
 * root found by Denman–Beavers iteration (no eigen decomposition), whose sum must be the OLS R².
 */

type M = number[][];
const mul = (a: M, b: M): M => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const add = (a: M, b: M): M => a.map((row, i) => row.map((v, j) => v + b[i][j]));
const scale = (a: M, f: number): M => a.map((row) => row.map((v) => v * f));
const eye = (n: number): M => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));

/** Gauss–Jordan inverse with partial pivoting. */
function inverse(a: M): M {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...eye(n)[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}

/** Denman–Beavers: Y → A^½, Z → A^−½. */
function sqrtm(a: M): { root: M; invRoot: M } {
  let y = a;
  let z = eye(a.length);
  for (let k = 0; k < 60; k++) {
    const yi = inverse(y);
    const zi = inverse(z);
    y = scale(add(y, zi), 0.5);
    z = scale(add(z, yi), 0.5);
  }
  return { root: y, invRoot: z };
}

/** A fixed pseudo-random stream (so the dataset is the same on every run). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('Spearman ρ and its interval', () => {
  it('matches 1 − 6Σd²/(n(n²−1)) without ties', () => {
    // d = (−1, 1, −1, 1, 0): Σd² = 4, ρ = 1 − 24/120 = 0.8
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    expect(spearman([1, 2, 3, 4, 5], [5, 4, 3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('gives the same ρ from a table of counts as from the expanded pairs (ties included)', () => {
    const rnd = lcg(7);
    const x: number[] = [];
    const y: number[] = [];
    const cells = new Map<string, { x: number; y: number; n: number }>();
    for (let i = 0; i < 400; i++) {
      const a = 1 + Math.floor(rnd() * 5);
      const b = Math.min(10, Math.max(0, Math.round(a * 1.5 + rnd() * 5)));
      x.push(a);
      y.push(b);
      const c = cells.get(`${a}:${b}`) ?? { x: a, y: b, n: 0 };
      c.n++;
      cells.set(`${a}:${b}`, c);
    }
    const fromCells = spearmanFromCells([...cells.values()]);
    expect(fromCells.n).toBe(400);
    expect(fromCells.rho).toBeCloseTo(spearman(x, y) as number, 12);
  });

  it('has no ρ when one side has no variance', () => {
    expect(spearmanFromCells([{ x: 3, y: 1, n: 5 }, { x: 3, y: 9, n: 5 }]).rho).toBeNull();
  });

  it('puts a 95 % Fisher interval around ρ', () => {
    // r = 0.8, n = 5: atanh(0.8) = 1.098612, se = 1/√2; tanh(1.098612 ∓ 1.385929) = −0.27965, 0.98620
    const [lo, hi] = fisherInterval(0.8, 5) as [number, number];
    expect(lo).toBeCloseTo(-0.27965, 4);
    expect(hi).toBeCloseTo(0.98620, 4);
    expect(fisherInterval(0.5, 3)).toBeNull();
  });
});

describe('Johnson relative weights', () => {
  it('agree with the weights from a Denman–Beavers square root, and sum to the regression R²', () => {
    const rnd = lcg(42);
    const n = 300;
    const cols: number[][] = [[], [], []];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const q = rnd() - 0.5;
      const a = q + 0.5 * (rnd() - 0.5);
      const b = 0.6 * q + 0.8 * (rnd() - 0.5);
      const c = rnd() - 0.5;
      cols[0].push(a);
      cols[1].push(b);
      cols[2].push(c);
      y.push(2 * a + 0.5 * b + 0.1 * c + 0.6 * (rnd() - 0.5));
    }
    const R = correlationMatrix(cols) as M;
    const rxy = cols.map((col) => pearson(col, y) as number);
    const got = relativeWeights(R, rxy);
    expect(got).not.toBeNull();

    const { root, invRoot } = sqrtm(R);
    const beta = mul(invRoot, rxy.map((r) => [r])).map((row) => row[0]);
    const expected = [0, 1, 2].map((j) => [0, 1, 2].reduce((s, k) => s + root[j][k] ** 2 * beta[k] ** 2, 0));
    const r2 = mul([rxy], mul(inverse(R), rxy.map((r) => [r])))[0][0];

    got!.raw.forEach((w, j) => expect(w).toBeCloseTo(expected[j], 10));
    expect(got!.r2).toBeCloseTo(r2, 10);
    // The strong predictor carries most of R², the unrelated one almost nothing.
    expect(got!.raw[0]).toBeGreaterThan(got!.raw[1]);
    expect(got!.raw[2] / got!.r2).toBeLessThan(0.05);
  });

  it('with uncorrelated predictors, each weight is its squared correlation with the outcome', () => {
    const R = eye(3);
    const rxy = [0.5, 0.3, 0.1];
    const got = relativeWeights(R, rxy)!;
    got.raw.forEach((w, j) => expect(w).toBeCloseTo(rxy[j] ** 2, 12));
  });

  it('refuses a singular correlation matrix', () => {
    expect(relativeWeights([[1, 1, 0], [1, 1, 0], [0, 0, 1]], [0.5, 0.5, 0.1])).toBeNull();
  });
});
