import { fill, type Locale, type Localized } from '../../i18n';
import { SCALES, type MetricKind } from '../metrics/scoring';

/** SPEC §2 default wording; `{brand}` and `{touchpoint}` are filled when the question is shown. */
export const DEFAULT_QUESTIONS: Record<MetricKind, Localized> = {
  nps: {
    vi: 'Bạn có sẵn lòng giới thiệu {brand} cho bạn bè hoặc đồng nghiệp không?',
    en: 'How likely are you to recommend {brand} to a friend or colleague?',
  },
  csat: {
    vi: 'Bạn hài lòng thế nào với {touchpoint}?',
    en: 'How satisfied were you with {touchpoint}?',
  },
  ces: {
    vi: '{brand} đã giúp tôi giải quyết việc của mình một cách dễ dàng.',
    en: '{brand} made it easy for me to handle my issue.',
  },
};

/** The labels of the two ends of each scale: they belong to the question. */
export const SCALE_LABELS: Record<MetricKind, { low: Localized; high: Localized }> = {
  nps: { low: { vi: 'Hoàn toàn không', en: 'Not at all likely' }, high: { vi: 'Chắc chắn có', en: 'Extremely likely' } },
  csat: { low: { vi: 'Rất không hài lòng', en: 'Very unsatisfied' }, high: { vi: 'Rất hài lòng', en: 'Very satisfied' } },
  ces: { low: { vi: 'Hoàn toàn không đồng ý', en: 'Strongly disagree' }, high: { vi: 'Hoàn toàn đồng ý', en: 'Strongly agree' } },
};

/** The texts a team may write for a survey, each null for the default wording. */
export interface SurveyWording {
  questionVi: string | null;
  questionEn: string | null;
  askComment: boolean;
  commentPromptVi: string | null;
  commentPromptEn: string | null;
  thankYouVi: string | null;
  thankYouEn: string | null;
}

export interface WordingSource {
  kind: MetricKind;
  questionVi: string | null;
  questionEn: string | null;
}

/** The question as the respondent reads it. Without a touchpoint, `{touchpoint}` reads as the brand. */
export function questionText(survey: WordingSource, locale: Locale, names: { brand: string; touchpoint: string | null }): string {
  const custom = locale === 'vi' ? survey.questionVi : survey.questionEn;
  const template = custom ?? DEFAULT_QUESTIONS[survey.kind][locale];
  return fill(template, { brand: names.brand, touchpoint: names.touchpoint ?? names.brand });
}

export interface ScalePoint { value: number; label: string | null }

/** Every point of the kind's scale, with the end labels on the first and last. */
export function scalePoints(kind: MetricKind, locale: Locale): ScalePoint[] {
  const { min, max } = SCALES[kind];
  const points: ScalePoint[] = [];
  for (let v = min; v <= max; v++) {
    points.push({ value: v, label: v === min ? SCALE_LABELS[kind].low[locale] : v === max ? SCALE_LABELS[kind].high[locale] : null });
  }
  return points;
}
