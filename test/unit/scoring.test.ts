import {
  LOW_SAMPLE_THRESHOLD,
  SCALES,
  cesFromHistogram,
  compareScores,
  csatFromHistogram,
  isDetractor,
  isValidScore,
  mergeHistograms,
  npsFromHistogram,
  scoreFromHistogram,
  scoreGroup,
  type Histogram,
  type MetricKind,
} from '../../src/modules/metrics/scoring';

// 10 digits after the point: far tighter than any display rounding, loose enough for float noise.
const DIGITS = 10;

describe('SCALES and constants', () => {
  it('defines the product scales and the low-sample threshold', () => {
    expect(SCALES).toEqual({ nps: { min: 0, max: 10 }, csat: { min: 1, max: 5 }, ces: { min: 1, max: 7 } });
    expect(LOW_SAMPLE_THRESHOLD).toBe(30);
  });
});

describe('npsFromHistogram', () => {
  it('computes NPS and MoE for a mixed sample (spec example)', () => {
    // 10 responses: 5 promoters (9,10), 3 passives (7,8), 2 detractors (0,6)
    // p = .5, d = .2 → NPS = 100·(.5 − .2) = 30
    // MoE = 100·1.96·√((.5 + .2 − .3²)/10) = 196·√(.061) = 48.40842901809…
    const r = npsFromHistogram({ 9: 2, 10: 3, 7: 1, 8: 2, 0: 1, 6: 1 });
    expect(r.kind).toBe('nps');
    expect(r.n).toBe(10);
    expect(r.promoters).toBe(5);
    expect(r.passives).toBe(3);
    expect(r.detractors).toBe(2);
    expect(r.score).toBeCloseTo(30, DIGITS);
    expect(r.moe).toBeCloseTo(48.4084290181, 8);
    expect(r.lowSample).toBe(true);
  });

  it('returns nulls (never NaN) for n = 0', () => {
    const r = npsFromHistogram({});
    expect(r).toEqual({ kind: 'nps', n: 0, score: null, moe: null, lowSample: true, promoters: 0, passives: 0, detractors: 0 });
  });

  it('treats explicit zero counts like missing keys', () => {
    const r = npsFromHistogram({ 0: 0, 10: 0 });
    expect(r.n).toBe(0);
    expect(r.score).toBeNull();
    expect(r.moe).toBeNull();
  });

  it('computes the MoE by formula for n = 1 (single promoter → MoE 0)', () => {
    // p = 1, d = 0 → NPS 100; p + d − (p − d)² = 1 − 1 = 0 → MoE 0
    const r = npsFromHistogram({ 10: 1 });
    expect(r.n).toBe(1);
    expect(r.score).toBeCloseTo(100, DIGITS);
    expect(r.moe).toBe(0);
    expect(r.lowSample).toBe(true);
  });

  it('computes NPS 0 and MoE 0 for a single passive', () => {
    // p = d = 0 → NPS 0; variance term 0 − 0 = 0
    const r = npsFromHistogram({ 8: 1 });
    expect(r.score).toBe(0);
    expect(r.moe).toBe(0);
    expect(r.passives).toBe(1);
  });

  it('gives NPS 100 and MoE 0 when everyone is a promoter', () => {
    // 40 promoters: p = 1, d = 0 → 100·1 = 100; 1 + 0 − 1² = 0 → MoE 0
    const r = npsFromHistogram({ 9: 15, 10: 25 });
    expect(r.score).toBeCloseTo(100, DIGITS);
    expect(r.moe).toBe(0);
    expect(r.promoters).toBe(40);
    expect(r.lowSample).toBe(false);
  });

  it('gives NPS −100 and MoE 0 when everyone is a detractor', () => {
    // 35 detractors: p = 0, d = 1 → 100·(0 − 1) = −100; 0 + 1 − (−1)² = 0 → MoE 0
    const r = npsFromHistogram({ 0: 5, 3: 10, 6: 20 });
    expect(r.score).toBeCloseTo(-100, DIGITS);
    expect(r.moe).toBe(0);
    expect(r.detractors).toBe(35);
  });
});

describe('csatFromHistogram', () => {
  it('computes top-2-box, mean and MoE', () => {
    // {1:1, 2:1, 3:2, 4:3, 5:3}, n = 10; satisfied (4–5) = 6 → c = .6 → score 60
    // mean = (1 + 2 + 3·2 + 4·3 + 5·3)/10 = 36/10 = 3.6
    // MoE = 100·1.96·√(.6·.4/10) = 196·√(.024) = 30.36418943426…
    const r = csatFromHistogram({ 1: 1, 2: 1, 3: 2, 4: 3, 5: 3 });
    expect(r.kind).toBe('csat');
    expect(r.n).toBe(10);
    expect(r.satisfied).toBe(6);
    expect(r.score).toBeCloseTo(60, DIGITS);
    expect(r.mean).toBeCloseTo(3.6, DIGITS);
    expect(r.moe).toBeCloseTo(30.3641894343, 8);
  });

  it('returns nulls for n = 0', () => {
    expect(csatFromHistogram({})).toEqual({
      kind: 'csat', n: 0, score: null, moe: null, lowSample: true, mean: null, satisfied: 0,
    });
  });

  it('computes by formula for n = 1', () => {
    // single 5: c = 1 → score 100, MoE = 196·√(1·0/1) = 0, mean 5
    const a = csatFromHistogram({ 5: 1 });
    expect(a.score).toBeCloseTo(100, DIGITS);
    expect(a.moe).toBe(0);
    expect(a.mean).toBe(5);
    // single 3: c = 0 → score 0, MoE 0, mean 3
    const b = csatFromHistogram({ 3: 1 });
    expect(b.score).toBe(0);
    expect(b.moe).toBe(0);
    expect(b.mean).toBe(3);
    expect(b.satisfied).toBe(0);
  });
});

describe('cesFromHistogram', () => {
  it('uses the sample standard deviation (n − 1)', () => {
    // {1:1, 3:1}: mean 2; Σ(x − m)² = 1 + 1 = 2
    // sample s = √(2/1) = 1.41421356… (population sd would be √(2/2) = 1)
    // MoE = 1.96·√2/√2 = 1.96 (population sd would give 1.96/√2 = 1.3859…)
    const r = cesFromHistogram({ 1: 1, 3: 1 });
    expect(r.score).toBeCloseTo(2, DIGITS);
    expect(r.sd).toBeCloseTo(Math.SQRT2, DIGITS);
    expect(r.moe).toBeCloseTo(1.96, DIGITS);
    expect(r.easyShare).toBe(0);
  });

  it('computes mean, easy share, sd and MoE for a spread sample', () => {
    // {1,2,3,4,5} one each, n = 5: mean 3; Σ(x − 3)² = 4 + 1 + 0 + 1 + 4 = 10
    // s² = 10/4 = 2.5, s = 1.58113883008…; MoE = 1.96·s/√5 = 1.96·√.5 = 1.38592929112…
    // easy (5–7) = 1 of 5 → 20 %
    const r = cesFromHistogram({ 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 });
    expect(r.kind).toBe('ces');
    expect(r.n).toBe(5);
    expect(r.score).toBeCloseTo(3, DIGITS);
    expect(r.sd).toBeCloseTo(1.5811388301, 9);
    expect(r.moe).toBeCloseTo(1.3859292911, 9);
    expect(r.easyShare).toBeCloseTo(20, DIGITS);
  });

  it('has MoE null (and sd null) with n = 1, but still a score', () => {
    const r = cesFromHistogram({ 6: 1 });
    expect(r.n).toBe(1);
    expect(r.score).toBe(6);
    expect(r.easyShare).toBeCloseTo(100, DIGITS);
    expect(r.sd).toBeNull();
    expect(r.moe).toBeNull();
  });

  it('returns nulls for n = 0', () => {
    expect(cesFromHistogram({})).toEqual({
      kind: 'ces', n: 0, score: null, moe: null, lowSample: true, easyShare: null, sd: null,
    });
  });

  it('gives sd 0 and MoE 0 when every response is identical', () => {
    const r = cesFromHistogram({ 4: 3 });
    expect(r.sd).toBe(0);
    expect(r.moe).toBe(0);
    expect(r.easyShare).toBe(0);
  });
});

describe('scoreFromHistogram', () => {
  it('dispatches to the kind-specific function', () => {
    expect(scoreFromHistogram('nps', { 10: 1, 0: 1 })).toEqual(npsFromHistogram({ 10: 1, 0: 1 }));
    expect(scoreFromHistogram('csat', { 4: 2, 1: 1 })).toEqual(csatFromHistogram({ 4: 2, 1: 1 }));
    expect(scoreFromHistogram('ces', { 2: 1, 7: 1 })).toEqual(cesFromHistogram({ 2: 1, 7: 1 }));
    expect(scoreFromHistogram('csat', { 4: 1 }).kind).toBe('csat');
  });
});

describe('lowSample', () => {
  // The top score of each scale is valid everywhere it is used below.
  const top: Record<MetricKind, number> = { nps: 10, csat: 5, ces: 7 };
  it.each<MetricKind>(['nps', 'csat', 'ces'])('%s: 29 responses is low, 30 is not', (kind) => {
    expect(scoreFromHistogram(kind, { [top[kind]]: 29 }).lowSample).toBe(true);
    expect(scoreFromHistogram(kind, { [top[kind]]: 30 }).lowSample).toBe(false);
  });
});

describe('isDetractor', () => {
  it.each<[MetricKind, number, boolean]>([
    ['nps', 0, true],
    ['nps', 6, true],
    ['nps', 7, false],
    ['nps', 10, false],
    ['csat', 1, true],
    ['csat', 2, true],
    ['csat', 3, false],
    ['csat', 5, false],
    ['ces', 1, true],
    ['ces', 3, true],
    ['ces', 4, false],
    ['ces', 7, false],
  ])('%s score %i → %s', (kind, score, expected) => {
    expect(isDetractor(kind, score)).toBe(expected);
  });

  it('throws RangeError for a score outside the scale', () => {
    expect(() => isDetractor('nps', 11)).toThrow(RangeError);
    expect(() => isDetractor('csat', 0)).toThrow(RangeError);
    expect(() => isDetractor('ces', 2.5)).toThrow(RangeError);
  });
});

describe('scoreGroup', () => {
  it.each<[MetricKind, number, 'promoter' | 'passive' | 'detractor']>([
    ['nps', 0, 'detractor'],
    ['nps', 6, 'detractor'],
    ['nps', 7, 'passive'],
    ['nps', 8, 'passive'],
    ['nps', 9, 'promoter'],
    ['nps', 10, 'promoter'],
    ['csat', 1, 'detractor'],
    ['csat', 2, 'detractor'],
    ['csat', 3, 'passive'],
    ['csat', 4, 'promoter'],
    ['csat', 5, 'promoter'],
    ['ces', 1, 'detractor'],
    ['ces', 3, 'detractor'],
    ['ces', 4, 'passive'],
    ['ces', 5, 'promoter'],
    ['ces', 7, 'promoter'],
  ])('%s score %i → %s', (kind, score, expected) => {
    expect(scoreGroup(kind, score)).toBe(expected);
  });

  it('throws RangeError for a score outside the scale', () => {
    expect(() => scoreGroup('ces', 8)).toThrow(RangeError);
    expect(() => scoreGroup('nps', -1)).toThrow(RangeError);
  });
});

describe('isValidScore', () => {
  it.each<[MetricKind, number, boolean]>([
    ['nps', 0, true],
    ['nps', 10, true],
    ['nps', -1, false],
    ['nps', 11, false],
    ['nps', 5.5, false],
    ['nps', Number.NaN, false],
    ['csat', 0, false],
    ['csat', 1, true],
    ['csat', 5, true],
    ['csat', 6, false],
    ['ces', 0, false],
    ['ces', 1, true],
    ['ces', 7, true],
    ['ces', 8, false],
    ['ces', Number.POSITIVE_INFINITY, false],
  ])('%s %d → %s', (kind, score, expected) => {
    expect(isValidScore(kind, score)).toBe(expected);
  });
});

describe('histogram validation', () => {
  it.each<[MetricKind, Histogram]>([
    ['nps', { 11: 1 }],
    ['nps', { [-1]: 1 }],
    ['csat', { 0: 1 }],
    ['csat', { 6: 2, 5: 1 }],
    ['ces', { 0: 1 }],
    ['ces', { 8: 1 }],
    ['ces', { 4.5: 1 }],
  ])('%s throws RangeError for out-of-scale key in %j', (kind, h) => {
    expect(() => scoreFromHistogram(kind, h)).toThrow(RangeError);
  });

  it('throws even when the out-of-scale key has count 0 (corruption is loud)', () => {
    expect(() => csatFromHistogram({ 0: 0, 5: 3 })).toThrow(RangeError);
  });

  it('throws for non-numeric keys and invalid counts', () => {
    expect(() => npsFromHistogram({ abc: 1 } as unknown as Histogram)).toThrow(RangeError);
    expect(() => npsFromHistogram({ '4.0': 1 } as unknown as Histogram)).toThrow(RangeError);
    expect(() => npsFromHistogram({ 5: -1 })).toThrow(RangeError);
    expect(() => npsFromHistogram({ 5: 1.5 })).toThrow(RangeError);
    expect(() => npsFromHistogram({ 5: Number.NaN })).toThrow(RangeError);
  });

  it('compareScores also throws on a corrupt histogram on either side', () => {
    expect(() => compareScores('nps', { 11: 1 }, { 10: 1 })).toThrow(RangeError);
    expect(() => compareScores('ces', { 4: 2 }, { 9: 1 })).toThrow(RangeError);
  });
});

describe('mergeHistograms and pooling', () => {
  it('sums counts per score without mutating the inputs', () => {
    const a: Histogram = { 1: 2, 5: 3 };
    const b: Histogram = { 5: 1, 7: 4 };
    expect(mergeHistograms(a, b)).toEqual({ 1: 2, 5: 4, 7: 4 });
    expect(a).toEqual({ 1: 2, 5: 3 });
    expect(b).toEqual({ 5: 1, 7: 4 });
    expect(mergeHistograms()).toEqual({});
  });

  it('a stage NPS pools responses instead of averaging touchpoint scores', () => {
    // Touchpoint A: 10 promoters → NPS 100. Touchpoint B: 30 P, 30 passives, 30 D (n = 90) → NPS 0.
    // Average of scores would be (100 + 0)/2 = 50.
    // Pooled: 40 P, 30 passives, 30 D of 100 → p = .4, d = .3 → NPS 10;
    // MoE = 196·√((.7 − .1²)/100) = 196·√.0069 = 16.28098277…
    const a: Histogram = { 10: 10 };
    const b: Histogram = { 9: 30, 7: 30, 2: 30 };
    expect(npsFromHistogram(a).score).toBeCloseTo(100, DIGITS);
    expect(npsFromHistogram(b).score).toBeCloseTo(0, DIGITS);
    const stage = npsFromHistogram(mergeHistograms(a, b));
    expect(stage.n).toBe(100);
    expect(stage.score).toBeCloseTo(10, DIGITS);
    expect(stage.score).not.toBeCloseTo(50, 1);
    expect(stage.moe).toBeCloseTo(16.2809827713, 8);
    expect(stage.lowSample).toBe(false);
  });

  it('a stage CSAT pools responses instead of averaging touchpoint scores', () => {
    // A: 10 × 5 → 100 %. B: 45 × 1, 45 × 5 → 50 %. Average = 75 %.
    // Pooled: 55 satisfied of 100 → 55 %; mean = (10·5 + 45·1 + 45·5)/100 = 320/100 = 3.2
    const stage = csatFromHistogram(mergeHistograms({ 5: 10 }, { 1: 45, 5: 45 }));
    expect(stage.score).toBeCloseTo(55, DIGITS);
    expect(stage.mean).toBeCloseTo(3.2, DIGITS);
  });
});

describe('compareScores', () => {
  describe('nps (difference of NPS over √(Var₁ + Var₂))', () => {
    // previous: 40 P, 30 passives, 30 D (n = 100): p = .4, d = .3, NPS 10
    //   Var₁ = 100²·(.7 − .1²)/100 = 100·.69 = 69
    const previous: Histogram = { 10: 40, 8: 30, 0: 30 };

    it('is significant just over 1.96', () => {
      // current: 49 P, 34 passives, 17 D (n = 100): p = .49, d = .17, NPS 32 → delta 22
      //   Var₂ = 100·(.66 − .32²) = 100·(.66 − .1024) = 55.76
      //   z = 22/√(69 + 55.76) = 22/√124.76 = 22/11.16960160… = 1.96963157…
      const r = compareScores('nps', previous, { 9: 49, 7: 34, 6: 17 });
      expect(r.delta).toBeCloseTo(22, DIGITS);
      expect(r.z).toBeCloseTo(1.969631575, 8);
      expect(r.significant).toBe(true);
      expect(r.direction).toBe('up');
    });

    it('is not significant just under 1.96 (same delta, more variance)', () => {
      // current: 50 P, 32 passives, 18 D: p = .5, d = .18, NPS 32 → delta 22
      //   Var₂ = 100·(.68 − .1024) = 57.76
      //   z = 22/√(69 + 57.76) = 22/√126.76 = 22/11.25877436… = 1.95403152…
      const r = compareScores('nps', previous, { 9: 50, 7: 32, 6: 18 });
      expect(r.delta).toBeCloseTo(22, DIGITS);
      expect(r.z).toBeCloseTo(1.954031523, 8);
      expect(r.significant).toBe(false);
      expect(r.direction).toBeNull();
    });

    it('reports direction down for a significant drop', () => {
      // Same pair as the "just over" case, reversed: delta −22, z = −1.96963157…
      const r = compareScores('nps', { 9: 49, 7: 34, 6: 17 }, previous);
      expect(r.delta).toBeCloseTo(-22, DIGITS);
      expect(r.z).toBeCloseTo(-1.969631575, 8);
      expect(r.significant).toBe(true);
      expect(r.direction).toBe('down');
    });
  });

  describe('csat (pooled two-proportion z-test)', () => {
    it('is not significant just under 1.96', () => {
      // previous 69/100 satisfied, current 81/100 → delta = 81 − 69 = 12 points
      //   p̂ = 150/200 = .75; SE = √(.75·.25·(1/100 + 1/100)) = √.00375 = .0612372435…
      //   z = .12/.0612372435… = 1.95959179…
      const r = compareScores('csat', { 5: 69, 2: 31 }, { 4: 81, 3: 19 });
      expect(r.delta).toBeCloseTo(12, DIGITS);
      expect(r.z).toBeCloseTo(1.959591794, 8);
      expect(r.significant).toBe(false);
      expect(r.direction).toBeNull();
    });

    it('is significant just over 1.96', () => {
      // previous 70/100, current 82/100 → delta 12 points
      //   p̂ = 152/200 = .76; SE = √(.76·.24·.02) = √.003648 = .0603986754…
      //   z = .12/.0603986754… = 1.98679853…
      const r = compareScores('csat', { 5: 70, 1: 30 }, { 5: 82, 1: 18 });
      expect(r.delta).toBeCloseTo(12, DIGITS);
      expect(r.z).toBeCloseTo(1.986798536, 8);
      expect(r.significant).toBe(true);
      expect(r.direction).toBe('up');
    });

    it('pools by counts when the periods differ in size', () => {
      // previous 10/20 (c₁ = .5), current 60/80 (c₂ = .75) → delta 25 points
      //   p̂ = (10 + 60)/(20 + 80) = .7 (averaging the shares would give .625)
      //   SE = √(.7·.3·(1/20 + 1/80)) = √(.21·.0625) = √.013125 = .1145643924…
      //   z = .25/.1145643924… = 2.18217890…
      const r = compareScores('csat', { 4: 10, 3: 10 }, { 4: 60, 2: 20 });
      expect(r.delta).toBeCloseTo(25, DIGITS);
      expect(r.z).toBeCloseTo(2.182178902, 8);
      expect(r.significant).toBe(true);
    });

    it('uses the pooled share, not the unpooled standard error', () => {
      // previous 0/10, current 10/10: pooled p̂ = .5 → SE = √(.25·.2) = √.05; z = 1/√.05 = 4.47213595…
      // (an unpooled SE would be √(0 + 0) = 0 and give no z at all)
      const r = compareScores('csat', { 1: 10 }, { 5: 10 });
      expect(r.z).toBeCloseTo(4.472135955, 8);
      expect(r.delta).toBeCloseTo(100, DIGITS);
      expect(r.direction).toBe('up');
    });
  });

  describe('ces (Welch)', () => {
    // previous {3:25, 5:25}: n = 50, mean 4, Σ(x − 4)² = 50 → s₁² = 50/49
    //   s₁²/n₁ = (50/49)/50 = 1/49 = .0204081632…
    const previous: Histogram = { 3: 25, 5: 25 };

    it('is not significant just under 1.96', () => {
      // current {3:12, 5:28}: n = 40, mean = (36 + 140)/40 = 4.4 → delta .4
      //   Σ(x − 4.4)² = 12·1.4² + 28·.6² = 23.52 + 10.08 = 33.6 → s₂² = 33.6/39; s₂²/n₂ = .0215384615…
      //   z = .4/√(.0204081632 + .0215384615) = .4/√.0419466248 = 1.95304154…
      const r = compareScores('ces', previous, { 3: 12, 5: 28 });
      expect(r.delta).toBeCloseTo(0.4, DIGITS);
      expect(r.z).toBeCloseTo(1.95304154, 7);
      expect(r.significant).toBe(false);
      expect(r.direction).toBeNull();
    });

    it('is significant just over 1.96', () => {
      // current {3:26, 5:54}: n = 80, mean = (78 + 270)/80 = 4.35 → delta .35
      //   Σ(x − 4.35)² = 26·1.35² + 54·.65² = 47.385 + 22.815 = 70.2 → s₂² = 70.2/79; s₂²/n₂ = .0111075949…
      //   z = .35/√(.0204081632 + .0111075949) = .35/√.0315157581 = 1.97153352…
      const r = compareScores('ces', previous, { 3: 26, 5: 54 });
      expect(r.delta).toBeCloseTo(0.35, DIGITS);
      expect(r.z).toBeCloseTo(1.97153352, 7);
      expect(r.significant).toBe(true);
      expect(r.direction).toBe('up');
    });
  });

  describe('not computable → z null, not significant', () => {
    it.each<MetricKind>(['nps', 'csat', 'ces'])('%s with n = 0 on the previous side', (kind) => {
      const top = SCALES[kind].max;
      expect(compareScores(kind, {}, { [top]: 40, [top - 1]: 40 })).toEqual({
        delta: null, z: null, significant: false, direction: null,
      });
    });

    it.each<MetricKind>(['nps', 'csat', 'ces'])('%s with n = 0 on the current side', (kind) => {
      const min = SCALES[kind].min;
      expect(compareScores(kind, { [min]: 40, [min + 1]: 40 }, {})).toEqual({
        delta: null, z: null, significant: false, direction: null,
      });
    });

    it('ces with n = 1 on one side: delta exists but no z', () => {
      // previous mean 1 (n = 1, no sample sd), current mean 6.5 → delta 5.5, still no test
      const r = compareScores('ces', { 1: 1 }, { 6: 50, 7: 50 });
      expect(r.delta).toBeCloseTo(5.5, DIGITS);
      expect(r.z).toBeNull();
      expect(r.significant).toBe(false);
      expect(r.direction).toBeNull();
      expect(compareScores('ces', { 6: 50, 7: 50 }, { 1: 1 }).z).toBeNull();
    });

    it('nps with n = 1 on a side is still computed (variance by formula)', () => {
      // previous: one passive → NPS 0, Var₁ = 100²·0/1 = 0
      // current: 30 P, 10 D of 40 → p = .75, d = .25, NPS 50; Var₂ = 100²·(1 − .25)/40 = 187.5
      // z = 50/√187.5 = 3.65148371…
      const r = compareScores('nps', { 8: 1 }, { 10: 30, 0: 10 });
      expect(r.delta).toBeCloseTo(50, DIGITS);
      expect(r.z).toBeCloseTo(3.651483717, 8);
      expect(r.significant).toBe(true);
    });

    it('nps with zero standard error (all promoters both times)', () => {
      expect(compareScores('nps', { 10: 50 }, { 9: 60 })).toEqual({
        delta: 0, z: null, significant: false, direction: null,
      });
    });

    it('nps with zero standard error even though the score changed', () => {
      // all passives (NPS 0, Var 0) → all promoters (NPS 100, Var 0): SE 0, so no z by the spec rule
      const r = compareScores('nps', { 7: 50 }, { 10: 50 });
      expect(r.delta).toBeCloseTo(100, DIGITS);
      expect(r.z).toBeNull();
      expect(r.significant).toBe(false);
    });

    it('csat with zero standard error (pooled share 1)', () => {
      expect(compareScores('csat', { 5: 40 }, { 4: 40 })).toEqual({
        delta: 0, z: null, significant: false, direction: null,
      });
    });

    it('ces with zero standard error (identical responses on both sides)', () => {
      const r = compareScores('ces', { 4: 30 }, { 4: 20 });
      expect(r).toEqual({ delta: 0, z: null, significant: false, direction: null });
    });
  });
});
