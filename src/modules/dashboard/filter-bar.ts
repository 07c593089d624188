import type { DataSource } from 'typeorm';
import { t } from '../../i18n';
import { RESPONSE_CHANNELS } from '../responses/response.entity';
import { PERIOD_PRESETS, DEFAULT_PRESET } from '../../web/params';
import type { DashboardFilters, FilterName, JourneyCatalog } from '../metrics';
import type { Formatter } from '../../web/format';
import { getAttributeSuggestions } from './queries/getAttributeSuggestions';
import { KIND_LABEL, KINDS } from './score-view';

interface Option { value: string; label: string; selected: boolean }

/** The filter form (a GET form: works without JavaScript) with the current values selected. */
/** `compare`: the page compares with the previous period (score pages), so the note names it. */
/** `dimensions`: the segment comparison's dimension select (the chosen dimensions, one selected). */
export async function filterBar(db: DataSource, f: DashboardFilters, fmt: Formatter, opts: { action: string; fields: FilterName[]; catalog?: JourneyCatalog; compare?: boolean; hiddenField?: string; topics?: Array<{ id: number; name: string }>; topic?: number; dimensions?: Option[] }) {
  const { locale } = fmt;
  const has = (name: FilterName) => opts.fields.includes(name);
  const option = (value: string, label: string, current: string | undefined): Option => ({ value, label, selected: value === current });
  const c = opts.catalog;
  return {
    action: opts.action,
    presets: PERIOD_PRESETS.map((p) => option(p, t(locale, `metrics.preset.${p}`), f.period.preset)),
    from: f.period.from,
    to: f.period.to,
    shown: `${f.period.from}..${f.period.to}`,
    periodText: t(locale, 'metrics.periodText', { from: fmt.day(f.period.from), to: fmt.day(f.period.to) }),
    previousText: opts.compare ? t(locale, 'metrics.previousText', { from: fmt.day(f.previous.from), to: fmt.day(f.previous.to) }) : null,
    stages: has('stage') && c ? c.stages.map((s) => option(s.key, s.names[locale], f.stage)) : null,
    touchpoints: has('touchpoint') && c ? c.touchpoints.map((x) => option(x.key, x.names[locale], f.touchpoint)) : null,
    surveys: has('survey') && c ? c.surveys.map((s) => option(s.id, `${s.title} (${KIND_LABEL[s.kind]})`, f.survey)) : null,
    metrics: has('metric') ? KINDS.map((k) => option(k, KIND_LABEL[k], f.metric)) : null,
    groups: has('group') && c ? (['promoter', 'passive', 'detractor'] as const).map((g) => option(g, t(locale, `metrics.groupFilter.${g}`), f.group)) : null,
    channels: has('channel') ? RESPONSE_CHANNELS.map((ch) => option(ch, t(locale, `metrics.channel.${ch}`), f.channel)) : null,
    attr: f.attribute ? `${f.attribute.key}=${f.attribute.value}` : '',
    attrSuggestions: has('attr') ? await getAttributeSuggestions(db) : [],
    showAttr: has('attr'),
    dimensions: opts.dimensions && opts.dimensions.length > 0 ? opts.dimensions : null,
    showField: opts.hiddenField !== undefined,
    topics: opts.topics?.length ? opts.topics.map((x) => option(String(x.id), x.name, opts.topic === undefined ? undefined : String(opts.topic))) : null,
    field: opts.hiddenField ?? '',
    active: f.period.preset !== DEFAULT_PRESET || !!opts.hiddenField || opts.topic !== undefined || !!(f.stage || f.touchpoint || f.survey || f.metric || f.group || f.channel || f.attribute),
  };
}
