import type { DataSource } from 'typeorm';
import { t } from '../../i18n';
import { RESPONSE_CHANNELS, type ResponseChannel } from '../responses/response.entity';
import { type DashboardFilters, getHistogramRows, targetFor, type CatalogSurvey, type JourneyCatalog, getResponseRate, type MetricKind } from '../metrics';
import { chartJson } from './chart';
import type { Formatter } from '../../web/format';
import { listResponses } from './queries/listResponses';
import { responseQuery, responseView, type ResponseView } from './responses.service';
import { distribution, GROUP_COLOR, histogramsBy, KIND_LABEL, KINDS, scoreView, type DistributionBar, type ScoreView } from './score-view';
import { trendBuckets, trendView, type TrendView } from './trend';

export const VERBATIMS_PAGE = 20;

export interface MetricSection {
  kind: MetricKind;
  label: string;
  tile: ScoreView;
  bars: DistributionBar[];
  distributionChart: string;
  trend: TrendView;
}

export interface ChannelShare { channel: ResponseChannel; label: string; countText: string; shareText: string; share: number }

export interface DetailView {
  sections: MetricSection[];
  responseRate: { rateText: string | null; sentText: string; respondedText: string; emailText: string };
  channels: ChannelShare[];
  channelTotal: number;
  verbatims: { items: ResponseView[]; nextCursor: string | null };
}

/**
 * A survey's or a touchpoint's page: per metric, the score against the previous period and the target,
 * the distribution coloured by group and the weekly trend with its margin of error; then the response
 * rate, the channel split and the latest verbatims. Scores come from the rollups (one read for period,
 * previous period and trend, one for channels); verbatims are a keyset page of raw responses.
 */
export async function getDetail(db: DataSource, catalog: JourneyCatalog, surveys: CatalogSurvey[], at: { stageId?: number | null; touchpointId?: number | null }, f: DashboardFilters, fmt: Formatter): Promise<DetailView> {
  const surveyIds = surveys.map((s) => s.id);
  const trend = trendBuckets(f.period);
  const scope = { surveyIds, channel: f.channel, attribute: f.attribute, timeZone: fmt.timeZone, per: 'kind' as const };
  const [rows, channelRows, rate, verbatims] = await Promise.all([
    getHistogramRows(db, { ...scope, buckets: [{ key: 'current', ...f.period }, { key: 'previous', ...f.previous }, ...trend] }),
    getHistogramRows(db, { ...scope, buckets: [{ key: 'current', ...f.period }], byChannel: true }),
    getResponseRate(db, { surveyIds, period: f.period, timeZone: fmt.timeZone, attribute: f.attribute }),
    listResponses(db, responseQuery(catalog, { ...f, stage: undefined, touchpoint: undefined, survey: undefined, metric: undefined }, fmt.timeZone, VERBATIMS_PAGE, { surveyIds, withComment: true })),
  ]);
  const byBucket = histogramsBy(rows, (r) => `${r.bucket}|${r.group}`);
  const sections = KINDS.filter((kind) => surveys.some((s) => s.kind === kind)).map((kind) => {
    const current = byBucket.get(`current|${kind}`) ?? {};
    const bars = distribution(kind, current, fmt);
    return {
      kind,
      label: KIND_LABEL[kind],
      tile: scoreView(kind, current, fmt, { target: targetFor(catalog, kind, at), previous: byBucket.get(`previous|${kind}`) ?? {} }),
      bars,
      distributionChart: chartJson({
        type: 'bar',
        labels: bars.map((b) => String(b.score)),
        series: [{ label: t(fmt.locale, 'metrics.responsesCount'), data: bars.map((b) => b.count), color: GROUP_COLOR.passive, colors: bars.map((b) => GROUP_COLOR[b.group]) }],
        y: { min: 0, decimals: 0 },
        locale: fmt.intlLocale,
      }),
      trend: trendView(kind, trend, histogramsBy(rows.filter((r) => r.group === kind), (r) => r.bucket), fmt),
    };
  });
  const perChannel = new Map<string, number>();
  for (const r of channelRows) if (r.channel) perChannel.set(r.channel, (perChannel.get(r.channel) ?? 0) + r.n);
  const channelTotal = [...perChannel.values()].reduce((a, b) => a + b, 0);
  return {
    sections,
    responseRate: {
      rateText: rate.rate === null ? null : fmt.percent(rate.rate, 1),
      sentText: fmt.count(rate.sent),
      respondedText: fmt.count(rate.responded),
      emailText: fmt.count(perChannel.get('email') ?? 0),
    },
    channels: RESPONSE_CHANNELS.map((channel) => {
      const count = perChannel.get(channel) ?? 0;
      const share = channelTotal ? (100 * count) / channelTotal : 0;
      return { channel, label: t(fmt.locale, `metrics.channel.${channel}`), countText: fmt.count(count), shareText: channelTotal ? fmt.percent(share, 1) : '–', share: Math.round(share * 10) / 10 };
    }),
    channelTotal,
    verbatims: { items: verbatims.items.map((item) => responseView(catalog, item, fmt)), nextCursor: verbatims.nextCursor },
  };
}
