import { eng, vie } from 'stopword';
import { detectLanguage, foldDiacritics, phrasesOverlap, prepareComment } from '../../src/modules/themes/text';
import { isEmerging, MIN_THEME_COUNT, rankPhrases, themeImpact } from '../../src/modules/themes/rank';
import { compareScores } from '../../src/modules/metrics/scoring';

const keys = (comment: string, fallback: 'vi' | 'en' = 'vi') => prepareComment(comment, fallback).phrases.map((p) => p.key);

describe('text preparation', () => {
  it('reads NFC, NFD and unaccented Vietnamese as the same phrases', () => {
    const nfc = keys('Chờ lâu quá, không ai nghe máy');
    expect(keys('Chờ lâu quá, không ai nghe máy'.normalize('NFD'))).toEqual(nfc);
    expect(nfc).toContain('cho lau');
    expect(keys('cho lau qua, khong ai nghe may')).toEqual(expect.arrayContaining(['cho lau', 'nghe may', 'ai nghe may']));
  });

  it('keeps the accented spelling as the label', () => {
    const p = prepareComment('CHỜ LÂU', 'vi').phrases.find((x) => x.key === 'cho lau');
    expect(p?.label).toBe('chờ lâu');
  });

  it('detects the language from the text, not the survey', () => {
    expect(detectLanguage('Waited twenty minutes on hold', 'vi')).toBe('en');
    expect(detectLanguage('nhân viên thân thiện', 'en')).toBe('vi');
    expect(detectLanguage('giao hang tre, khong bao truoc', 'en')).toBe('vi');
    expect(detectLanguage('12345 !!!', 'en')).toBe('en');
    // Words spelled as no Vietnamese syllable is, and nothing Vietnamese: English without the detector.
    expect(detectLanguage('payment failed at step 3', 'vi')).toBe('en');
    expect(detectLanguage('friendly staff at store number 12', 'vi')).toBe('en');
    expect(detectLanguage('nhan vien tu van nhiet tinh', 'en')).toBe('vi');
    expect(detectLanguage('app bi loi khi thanh toan', 'en')).toBe('vi');
  });

  it('stems English and never starts or ends a phrase with a stop word', () => {
    const p = prepareComment('I waited and the staff were friendly', 'vi');
    expect(p.language).toBe('en');
    const stop = new Set(eng);
    for (const phrase of p.phrases) {
      const words = phrase.label.split(' ');
      expect(stop.has(words[0])).toBe(false);
      expect(stop.has(words[words.length - 1])).toBe(false);
    }
    expect(p.phrases.map((x) => x.key)).toContain('wait');
  });

  it('never makes a Vietnamese phrase begin or end with an (accented) stop word', () => {
    const stop = new Set(vie.filter((w) => !w.includes(' ')));
    for (const phrase of prepareComment('Rất hài lòng và sẽ quay lại của hàng này vì nhân viên được đào tạo tốt', 'vi').phrases) {
      const words = phrase.label.split(' ');
      expect(stop.has(words[0])).toBe(false);
      expect(stop.has(words[words.length - 1])).toBe(false);
    }
  });

  it('reads markup a customer typed as a break, never as words of a phrase', () => {
    const keys = prepareComment('Giao hàng trễ <b>quá</b> & chậm', 'vi').phrases.map((p) => p.key);
    expect(keys).toContain('giao hang tre');
    expect(keys.filter((k) => /\bb\b/.test(k))).toEqual([]);
  });

  it('keeps order numbers and codes out of the ends of phrases', () => {
    const keys = prepareComment('Giao hàng trễ, đơn số 4471 c4ca4238a0b923820dcc', 'vi').phrases.map((p) => p.key);
    expect(keys).toContain('giao hang tre');
    for (const k of keys) expect(k).not.toMatch(/(^|\s)\S*\d\S*$|^\S*\d/);
    expect(keys.some((k) => /\bca\b|\bdcc\b/.test(k))).toBe(false);
  });

  it('folds diacritics, đ included', () => {
    expect(foldDiacritics('Đặt hàng ĐƯỢC')).toBe('Dat hang DUOC');
  });

  it('knows when phrases overlap', () => {
    expect(phrasesOverlap('nhan vien', 'vien than')).toBe(true);
    expect(phrasesOverlap('nhan vien', 'nhan vien than thien')).toBe(true);
    expect(phrasesOverlap('cho lau', 'giao hang')).toBe(false);
  });
});

describe('ranking', () => {
  const labels = new Map([[1, 'vi:cho lau'], [2, 'vi:nhan vien'], [3, 'vi:than thien'], [4, 'vi:nhan vien than thien'], [5, 'vi:giao hang']]);

  it('ranks by class-based TF-IDF: the phrase that sets the class apart comes first', () => {
    const counts = [
      { phraseId: 1, grp: 'detractor' as const, n: 9 },
      { phraseId: 2, grp: 'detractor' as const, n: 10 },
      { phraseId: 2, grp: 'promoter' as const, n: 40 },
      { phraseId: 5, grp: 'detractor' as const, n: 2 },
    ];
    const ranked = rankPhrases(counts, labels, 'detractor', 5);
    // W(t) = tf/|c| · log(1 + A/f): cho lau 9/21·log(1+30.5/9) > nhan vien 10/21·log(1+30.5/50).
    expect(ranked.map((r) => r.phraseId)).toEqual([1, 2]);
    expect(ranked[0].weight).toBeCloseTo((9 / 21) * Math.log(1 + 30.5 / 9), 12);
    // Under MIN_THEME_COUNT mentions: not a theme.
    expect(MIN_THEME_COUNT).toBeGreaterThan(2);
  });

  it('shows a longer expression instead of its parts when said about as often', () => {
    const counts = [3, 4].map((phraseId) => ({ phraseId, grp: 'promoter' as const, n: 8 }));
    expect(rankPhrases(counts, labels, 'promoter', 5).map((r) => r.phraseId)).toEqual([4]);
  });

  it('measures impact with the SPEC §3 test of the kind', () => {
    const impact = themeImpact(new Map([['csat', { 1: 9 }]]), new Map([['csat', { 1: 13, 2: 3, 3: 2, 4: 4, 5: 10 }]]));
    expect(impact).toMatchObject({ kind: 'csat', nWith: 9, nWithout: 23, with: 0 });
    expect(impact!.without).toBeCloseTo((100 * 14) / 23, 12);
    expect(impact!.significant).toBe(compareScores('csat', { 1: 4, 2: 3, 3: 2, 4: 4, 5: 10 }, { 1: 9 }).significant);
  });

  it('calls a theme emerging only when its share grew significantly', () => {
    expect(isEmerging({ count: 0, of: 6 }, { count: 9, of: 16 })).toBe(true);
    expect(isEmerging({ count: 6, of: 6 }, { count: 3, of: 16 })).toBe(false);
    expect(isEmerging({ count: 10, of: 100 }, { count: 11, of: 100 })).toBe(false);
    expect(isEmerging({ count: 0, of: 0 }, { count: 5, of: 10 })).toBe(false);
  });
});
