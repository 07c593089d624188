import type { Response } from 'express';
import { stringify } from 'csv-stringify';
import type { DataSource } from 'typeorm';
import { t } from '../../i18n';
import { toZonedIso } from '../../time';
import { type AttributeFilter, type DashboardFilters, type JourneyCatalog, scoreGroup, type ScoreGroup } from '../metrics';
import type { Formatter } from '../../web/format';
import { listResponses, type ResponseListItem, type ResponseListQuery } from './queries/listResponses';
import { countResponses, COUNT_CAP } from './queries/countResponses';
import { getAnswer } from './queries/getAnswer';
import { scoreFilterFor, surveysInScope } from './scope';
import { GROUP_CODE, groupLabel, KIND_LABEL } from './score-view';
import { getResponseTopics } from '../themes';

export const PAGE_SIZE = 50;

export interface ResponseView {
  id: string;
  dateText: string;
  surveyId: string;
  surveyTitle: string;
  kindLabel: string;
  placeName: string;
  placeKey: string | null;
  score: number;
  group: ScoreGroup;
  groupLabel: string;
  comment: string | null;
  channelLabel: string;
  contact: string | null;
  /** The address split where it may wrap: before the @ and the dots of the domain, never mid-word. */
  contactParts: string[];
  localeLabel: string;
  hidden: Array<{ key: string; value: string; href: string }>;
  answerLink: string;
  followUpLink: string | null;
}

/** The list query for a filter set: scope (stage, touchpoint, survey, metric), score group, channel, attribute, period. */
export function responseQuery(catalog: JourneyCatalog, f: DashboardFilters, timeZone: string, limit: number, opts: { surveyIds?: string[]; withComment?: boolean; hidden?: AttributeFilter; topicId?: number } = {}): ResponseListQuery {
  const scope = surveysInScope(catalog, f);
  const surveys = opts.surveyIds ? scope.surveys.filter((s) => opts.surveyIds?.includes(s.id)) : scope.surveys;
  const restricted = scope.restricted || !!opts.surveyIds;
  return {
    period: f.period,
    timeZone,
    surveyIds: restricted ? surveys.map((s) => s.id) : null,
    scoreFilter: scoreFilterFor(surveys, f.group),
    channel: f.channel,
    attribute: f.attribute,
    hidden: opts.hidden,
    withComment: opts.withComment,
    topicId: opts.topicId,
    cursor: f.cursor,
    limit,
  };
}

/** Where a survey hangs, for people: its touchpoint, else its stage, else the whole journey. */
export function placeOf(catalog: JourneyCatalog, surveyId: string, fmt: Formatter): { name: string; touchpointKey: string | null; stageKey: string | null } {
  const survey = catalog.surveys.find((s) => s.id === surveyId);
  const tp = survey?.touchpointId != null ? catalog.touchpoints.find((x) => x.id === survey.touchpointId) : undefined;
  const stage = survey?.stageId != null ? catalog.stages.find((x) => x.id === survey.stageId) : undefined;
  const name = tp ? tp.names[fmt.locale] : stage ? stage.names[fmt.locale] : t(fmt.locale, 'metrics.wholeJourney');
  return { name, touchpointKey: tp?.key ?? null, stageKey: stage?.key ?? null };
}

/** An email address cut where a line may break: "lan.nguyen", "@retail", ".example", ".vn". */
export function emailParts(email: string | null): string[] {
  if (!email) return [];
  const at = email.lastIndexOf('@');
  if (at < 0) return [email];
  return [email.slice(0, at), ...email.slice(at).split(/(?=\.)/)];
}

/** A hidden-field filter written field=value (as the attribute filter: key=value). */
export const HIDDEN_FILTER = /^([A-Za-z0-9_.-]{1,40})=(.{1,200})$/s;

export function hiddenFilterOf(text: string | undefined): AttributeFilter | undefined {
  const m = text ? HIDDEN_FILTER.exec(text) : null;
  return m ? { key: m[1], value: m[2].trim() } : undefined;
}

export function responseView(catalog: JourneyCatalog, item: ResponseListItem, fmt: Formatter, linkFor: (field: string) => string = () => ''): ResponseView {
  const survey = catalog.surveys.find((s) => s.id === item.surveyId);
  const place = placeOf(catalog, item.surveyId, fmt);
  const group = scoreGroup(item.kind, item.score);
  return {
    id: item.id,
    dateText: fmt.dateTime(item.createdAt),
    surveyId: item.surveyId,
    surveyTitle: survey?.title ?? '',
    kindLabel: KIND_LABEL[item.kind],
    placeName: place.name,
    placeKey: place.touchpointKey,
    score: item.score,
    group,
    groupLabel: groupLabel(fmt.locale, item.kind, group),
    comment: item.comment,
    channelLabel: t(fmt.locale, `metrics.channel.${item.channel}`),
    contact: item.contactEmail,
    contactParts: emailParts(item.contactEmail),
    localeLabel: item.locale.toUpperCase(),
    hidden: Object.entries(item.hidden ?? {}).map(([key, value]) => ({ key, value: String(value), href: linkFor(`${key}=${String(value)}`) })),
    answerLink: `/responses/${item.id}`,
    followUpLink: item.followUpId ? `/follow-ups/${item.followUpId}` : null,
  };
}

export async function getResponsesPage(db: DataSource, catalog: JourneyCatalog, f: DashboardFilters, fmt: Formatter, opts: { hidden?: AttributeFilter; topicId?: number; linkFor?: (field: string) => string } = {}) {
  const query = responseQuery(catalog, f, fmt.timeZone, PAGE_SIZE, { hidden: opts.hidden, topicId: opts.topicId });
  const [page, total] = await Promise.all([listResponses(db, query), countResponses(db, query)]);
  return {
    items: page.items.map((item) => responseView(catalog, item, fmt, opts.linkFor)),
    nextCursor: page.nextCursor,
    total,
    totalText: total > COUNT_CAP
      ? t(fmt.locale, 'metrics.resultCount.many', { count: fmt.count(COUNT_CAP) })
      : t(fmt.locale, total === 1 ? 'metrics.resultCount.one' : 'metrics.resultCount.other', { count: fmt.count(total) }),
  };
}

/** One answer's page: the answer, where and how it came, its contact, hidden fields and follow-up. */
export async function getAnswerView(db: DataSource, catalog: JourneyCatalog, id: string, fmt: Formatter) {
  const a = await getAnswer(db, id);
  if (!a) return null;
  const survey = catalog.surveys.find((s) => s.id === a.surveyId);
  const place = placeOf(catalog, a.surveyId, fmt);
  const group = scoreGroup(a.kind, a.score);
  return {
    ...a,
    dateText: fmt.dateTime(a.createdAt),
    surveyTitle: survey?.title ?? '',
    kindLabel: KIND_LABEL[a.kind],
    placeName: place.name,
    placeKey: place.touchpointKey,
    group,
    groupLabel: groupLabel(fmt.locale, a.kind, group),
    channelLabel: t(fmt.locale, `metrics.channel.${a.channel}`),
    localeLabel: a.locale.toUpperCase(),
    contactParts: emailParts(a.contactEmail),
    hiddenFields: Object.entries(a.hidden ?? {}).map(([key, value]) => ({ key, value: String(value), href: `/responses?field=${encodeURIComponent(`${key}=${String(value)}`)}&survey=${a.surveyId}&period=90d` })),
    attributes: Object.entries(a.contactAttributes ?? {}).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })),
    followUpLink: a.followUpId ? `/follow-ups/${a.followUpId}` : null,
    followUpStatusText: a.followUpStatus ? t(fmt.locale, `followUps.status.${a.followUpStatus as 'open' | 'in_progress' | 'closed'}`) : null,
  };
}

const CSV_COLUMNS = ['id', 'created_at', 'survey_id', 'survey_title', 'metric', 'stage', 'touchpoint', 'score', 'group',
  'comment', 'channel', 'locale', 'topics'] as const;
/**
 * Columns that identify people: the contact's address and attributes, and the hidden fields of a link
 * (an order number, a staff name; erasure clears them for the same reason). Only editors and admins take
 * personal data out in bulk (SPEC §9), so only their exports carry these.
 */
const PERSONAL_CSV_COLUMNS = ['contact_email', 'contact_attributes', 'hidden'] as const;
const CSV_BATCH = 1000;

function drainedOrClosed(csv: NodeJS.EventEmitter, res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      csv.off('drain', done);
      res.off('close', done);
      resolve();
    };
    csv.once('drain', done);
    res.once('close', done);
  });
}

/**
 * Streams every response matching the filters as CSV (UTF-8 with a BOM, so spreadsheet apps read
 * Vietnamese correctly), a keyset page at a time and respecting backpressure: memory stays flat whatever
 * the size, and a client that goes away stops the export. Without `personalData` (a viewer's export) the
 * columns that identify people are left out altogether.
 */
export async function streamResponsesCsv(
  db: DataSource, catalog: JourneyCatalog, f: DashboardFilters, fmt: Formatter, res: Response, opts: { personalData: boolean; hidden?: AttributeFilter; topicId?: number },
): Promise<void> {
  const query = responseQuery(catalog, { ...f, cursor: undefined }, fmt.timeZone, CSV_BATCH, { hidden: opts.hidden, topicId: opts.topicId });
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="responses-${f.period.from}-${f.period.to}.csv"`);
  res.setHeader('Cache-Control', 'no-store');
  // A spreadsheet runs a cell that starts with = + - @, a tab or a carriage return as a formula:
  // escape_formulas puts a single quote before it, which makes it text.
  const columns: string[] = opts.personalData ? [...CSV_COLUMNS, ...PERSONAL_CSV_COLUMNS] : [...CSV_COLUMNS];
  const csv = stringify({ header: true, columns, bom: true, escape_formulas: true });
  let gone = false;
  res.on('close', () => { gone = !res.writableFinished; });
  csv.pipe(res);
  let cursor: string | undefined;
  do {
    const page = await listResponses(db, { ...query, cursor });
    // The team topics each answer mentions (stored matches, one read per batch), in the reader's language.
    const topics = await getResponseTopics(db, page.items.map((item) => item.id));
    for (const item of page.items) {
      const survey = catalog.surveys.find((s) => s.id === item.surveyId);
      const place = placeOf(catalog, item.surveyId, fmt);
      const written = csv.write({
        id: item.id,
        created_at: toZonedIso(item.createdAt, fmt.timeZone),
        survey_id: item.surveyId,
        survey_title: survey?.title ?? '',
        metric: item.kind,
        stage: place.stageKey ?? '',
        touchpoint: place.touchpointKey ?? '',
        score: item.score,
        group: GROUP_CODE[item.kind][scoreGroup(item.kind, item.score)],
        comment: item.comment ?? '',
        topics: (topics.get(item.id) ?? []).map((name) => name[fmt.locale]).join('; '),
        channel: item.channel,
        locale: item.locale,
        ...(opts.personalData ? {
          contact_email: item.contactEmail ?? '',
          contact_attributes: item.contactAttributes && Object.keys(item.contactAttributes).length ? JSON.stringify(item.contactAttributes) : '',
          hidden: Object.keys(item.hidden ?? {}).length ? JSON.stringify(item.hidden) : '',
        } : {}),
      });
      // Wait for the client to take what is buffered; a client that leaves ends the wait too.
      if (!written) await drainedOrClosed(csv, res);
      if (gone) break;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && !gone);
  csv.end();
}
